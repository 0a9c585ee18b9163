"""Reading and writing the content tables (see migrations.py); plain dicts in and out.

All functions take the bot's shared sqlite_utils Database and run on the event loop's
thread; each write is its own short transaction. The `claim_*` functions are the
idempotency guards of the scheduled jobs: they return True exactly once per key.
"""
from __future__ import annotations

import sqlite3
import time

import sqlite_utils

EVENTS = "content_events"
REMINDERS = "content_reminders_sent"
DIGESTS = "content_digests"
POSTS = "content_posts"


def _now() -> int:
    return int(time.time())


def _one(db: sqlite_utils.Database, table: str, where: str, params: list) -> dict | None:
    rows = list(db[table].rows_where(where, params, limit=1))
    return rows[0] if rows else None


# -- events --------------------------------------------------------------------------
def get_event(db, event_id: int) -> dict | None:
    return _one(db, EVENTS, "id = ?", [event_id])


def event_by_anchor(db, message_ids) -> dict | None:
    """The channel event row announced by any of these channel message ids."""
    ids = list(message_ids)
    if not ids:
        return None
    marks = ",".join("?" * len(ids))
    return _one(db, EVENTS, f"source = 'channel' AND anchor_message_id IN ({marks})", ids)


def add_event(db, *, source: str, kind: str, title: str, starts_at: int | None, tz: str,
              has_time: bool = True, link: str | None = None, url: str | None = None,
              anchor_message_id: int | None = None, created_by: int | None = None) -> dict:
    now = _now()
    with db.conn:
        pk = db[EVENTS].insert({
            "source": source, "anchor_message_id": anchor_message_id, "kind": kind, "title": title,
            "starts_at": starts_at, "has_time": int(has_time), "tz": tz, "link": link, "url": url,
            "status": "active", "edited": 0, "created_by": created_by, "created_at": now,
            "updated_at": now}).last_pk
    return get_event(db, pk)


def update_event(db, event_id: int, **changes) -> dict:
    with db.conn:
        db[EVENTS].update(event_id, {**changes, "updated_at": _now()})
    return get_event(db, event_id)


def events(db, status: str | None = "active") -> list[dict]:
    where, params = ("status = ?", [status]) if status else (None, None)
    return list(db[EVENTS].rows_where(where, params, order_by="starts_at, id"))


# -- reminders -----------------------------------------------------------------------
def claim_reminder(db, event_id: int, offset: int, starts_at: int) -> bool:
    """Mark a reminder as being sent; False if it already was (another run, a restart)."""
    try:
        with db.conn:
            db.execute(f"INSERT INTO {REMINDERS} (event_id, offset, starts_at, sent_at) VALUES (?, ?, ?, ?)",
                       [event_id, offset, starts_at, _now()])
        return True
    except sqlite3.IntegrityError:
        return False


def reminder_sent(db, event_id: int, offset: int, starts_at: int, message_id: int | None) -> None:
    with db.conn:
        db.execute(f"UPDATE {REMINDERS} SET message_id = ? WHERE event_id = ? AND offset = ? AND starts_at = ?",
                   [message_id, event_id, offset, starts_at])


def reminders_sent(db, event_id: int) -> list[dict]:
    return list(db[REMINDERS].rows_where("event_id = ?", [event_id], order_by="sent_at"))


# -- digests ---------------------------------------------------------------------------
def claim_digest(db, week: str, since: int, until: int) -> bool:
    """Reserve a week's digest; False if that week already has one (sent or empty)."""
    try:
        with db.conn:
            db.execute(f"INSERT INTO {DIGESTS} (week_key, since, until, status, created_at) "
                       "VALUES (?, ?, ?, 'sending', ?)", [week, since, until, _now()])
        return True
    except sqlite3.IntegrityError:
        return False


def finish_digest(db, week: str, status: str, chat_id: int | None = None, message_id: int | None = None) -> None:
    with db.conn:
        db[DIGESTS].update(week, {"status": status, "chat_id": chat_id, "message_id": message_id})


def last_digest(db) -> dict | None:
    rows = list(db[DIGESTS].rows_where(order_by="until DESC", limit=1))
    return rows[0] if rows else None


def digests(db) -> list[dict]:
    return list(db[DIGESTS].rows_where(order_by="until"))


# -- posts -------------------------------------------------------------------------------
def add_post(db, *, author_id: int, lang: str, kind: str, text: str, entities: str, file_id: str | None) -> dict:
    now = _now()
    with db.conn:
        pk = db[POSTS].insert({
            "author_id": author_id, "lang": lang, "kind": kind, "text": text, "entities": entities,
            "file_id": file_id, "status": "draft", "created_at": now, "updated_at": now}).last_pk
    return get_post(db, pk)


def get_post(db, post_id: int) -> dict | None:
    return _one(db, POSTS, "id = ?", [post_id])


def move_post(db, post_id: int, from_status: tuple[str, ...], to_status: str, **changes) -> bool:
    """Change a post's status only if it is in one of `from_status`; True if it moved."""
    marks = ",".join("?" * len(from_status))
    sets = ", ".join(f"{k} = ?" for k in ("status", "updated_at", *changes))
    with db.conn:
        cur = db.execute(f"UPDATE {POSTS} SET {sets} WHERE id = ? AND status IN ({marks})",
                         [to_status, _now(), *changes.values(), post_id, *from_status])
    return cur.rowcount == 1


def posts(db, status: str) -> list[dict]:
    return list(db[POSTS].rows_where("status = ?", [status], order_by="publish_at, id"))
