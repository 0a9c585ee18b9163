"""ContentStore: the content tables (see migrations.py) in the bot's SQLite file, records in and out.

Each write is its own short transaction and takes `now` from the caller. The `claim_*`
methods are the idempotency guards of the scheduled jobs: they return True exactly once
per key, and `release_*` gives a claim back when the send failed. A post moves between
statuses only as content.posts allows, and only if it is still where the caller saw it.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

from sqlite_utils import Database

from archive.events import Event

from .digests import DigestRecord, DigestStatus
from .events import EventRecord, EventSource, EventStatus, Reminder
from .posts import PostContent, PostKind, PostRecord, PostStatus, check_move

EVENTS = "content_events"
REMINDERS = "content_reminders_sent"
DIGESTS = "content_digests"
POSTS = "content_posts"
_REMINDER_KEY = "WHERE event_id = ? AND offset = ? AND starts_at = ?"


def _event(row: dict) -> EventRecord:
    return EventRecord(
        id=row["id"], source=EventSource(row["source"]), kind=row["kind"], title=row["title"],
        starts_at=row["starts_at"], tz=row["tz"], has_time=bool(row["has_time"]), link=row["link"],
        url=row["url"], status=EventStatus(row["status"]), edited=bool(row["edited"]),
        anchor_message_id=row["anchor_message_id"], created_by=row["created_by"],
        created_at=row["created_at"], updated_at=row["updated_at"])


def _digest(row: dict) -> DigestRecord:
    return DigestRecord(week_key=row["week_key"], since=row["since"], until=row["until"],
                        status=DigestStatus(row["status"]), chat_id=row["chat_id"],
                        message_id=row["message_id"], created_at=row["created_at"])


def _post(row: dict) -> PostRecord:
    content = PostContent(kind=PostKind(row["kind"]), text=row["text"] or "", entities=row["entities"] or "[]",
                          file_id=row["file_id"])
    return PostRecord(id=row["id"], author_id=row["author_id"], lang=row["lang"] or "ru", content=content,
                      status=PostStatus(row["status"]), publish_at=row["publish_at"],
                      channel_message_id=row["channel_message_id"], error=row["error"],
                      created_at=row["created_at"], updated_at=row["updated_at"])


def _announced(event: Event) -> dict:
    """The columns of an event record the channel's announcement decides."""
    return {"kind": event.kind, "title": event.title, "starts_at": event.starts_at, "tz": event.tz,
            "has_time": int(event.has_time), "link": event.link, "url": event.url}


class ContentStore:
    def __init__(self, db: Database):
        self.db = db

    def _one(self, table: str, where: str, params: list) -> dict | None:
        return next(iter(self.db[table].rows_where(where, params, limit=1)), None)

    def _claim(self, sql: str, params: list) -> bool:
        try:
            with self.db.conn:
                self.db.execute(sql, params)
            return True
        except sqlite3.IntegrityError:
            return False

    # -- events ------------------------------------------------------------------------
    def event(self, event_id: int) -> EventRecord | None:
        row = self._one(EVENTS, "id = ?", [event_id])
        return _event(row) if row else None

    def event_by_anchor(self, message_ids: Iterable[int]) -> EventRecord | None:
        """The channel event announced by any of these channel message ids."""
        ids = list(message_ids)
        if not ids:
            return None
        marks = ",".join("?" * len(ids))
        row = self._one(EVENTS, f"source = ? AND anchor_message_id IN ({marks})", [EventSource.CHANNEL, *ids])
        return _event(row) if row else None

    def events(self, status: EventStatus | None = EventStatus.ACTIVE) -> list[EventRecord]:
        """Events with that status (None: all), soonest first."""
        where, params = ("status = ?", [status]) if status else (None, None)
        return [_event(r) for r in self.db[EVENTS].rows_where(where, params, order_by="starts_at, id")]

    def _insert_event(self, columns: dict, now: float) -> EventRecord:
        stamp = int(now)
        with self.db.conn:
            pk = self.db[EVENTS].insert({**columns, "status": EventStatus.ACTIVE, "edited": 0,
                                         "created_at": stamp, "updated_at": stamp}).last_pk
        return self.event(pk)

    def _update_event(self, event_id: int, changes: dict, now: float) -> EventRecord:
        with self.db.conn:
            self.db[EVENTS].update(event_id, {**changes, "updated_at": int(now)})
        return self.event(event_id)

    def add_channel_event(self, event: Event, now: float) -> EventRecord:
        """A record for an event announced in the channel (anchored to its first message)."""
        return self._insert_event({"source": EventSource.CHANNEL, "anchor_message_id": event.message_ids[0],
                                   **_announced(event)}, now)

    def add_admin_event(self, *, kind: str, title: str, starts_at: int, tz: str, created_by: int,
                        now: float) -> EventRecord:
        return self._insert_event({"source": EventSource.ADMIN, "kind": kind, "title": title,
                                   "starts_at": starts_at, "has_time": 1, "tz": tz, "created_by": created_by}, now)

    def follow_channel(self, event_id: int, event: Event, now: float) -> EventRecord:
        """The channel's announcement changed: the record takes its start, title, kind and links."""
        return self._update_event(event_id, _announced(event), now)

    def move_event(self, event_id: int, starts_at: int, tz: str, now: float) -> EventRecord:
        """An admin set the time: from now on the channel's text no longer moves it."""
        return self._update_event(event_id, {"starts_at": starts_at, "has_time": 1, "tz": tz, "edited": 1}, now)

    def cancel_event(self, event_id: int, now: float) -> EventRecord:
        return self._update_event(event_id, {"status": EventStatus.CANCELLED}, now)

    # -- reminders -----------------------------------------------------------------------
    def claim_reminder(self, reminder: Reminder, now: float) -> bool:
        """Mark a reminder as being sent; False if it already was (another run, a restart)."""
        return self._claim(f"INSERT INTO {REMINDERS} (event_id, offset, starts_at, sent_at) VALUES (?, ?, ?, ?)",
                           [reminder.event_id, reminder.offset, reminder.starts_at, int(now)])

    def release_reminder(self, reminder: Reminder) -> None:
        """Not sent after all: a later run may try again."""
        with self.db.conn:
            self.db.execute(f"DELETE FROM {REMINDERS} {_REMINDER_KEY}",
                            [reminder.event_id, reminder.offset, reminder.starts_at])

    def reminder_sent(self, reminder: Reminder, message_id: int | None) -> None:
        with self.db.conn:
            self.db.execute(f"UPDATE {REMINDERS} SET message_id = ? {_REMINDER_KEY}",
                            [message_id, reminder.event_id, reminder.offset, reminder.starts_at])

    def is_claimed(self, reminder: Reminder) -> bool:
        return self.db.execute(f"SELECT 1 FROM {REMINDERS} {_REMINDER_KEY}",
                               [reminder.event_id, reminder.offset, reminder.starts_at]).fetchone() is not None

    # -- digests ---------------------------------------------------------------------------
    def claim_digest(self, week: str, since: int, until: int, now: float) -> bool:
        """Reserve a week's digest; False if that week already has one (sent or empty)."""
        return self._claim(f"INSERT INTO {DIGESTS} (week_key, since, until, status, created_at) "
                           "VALUES (?, ?, ?, ?, ?)", [week, since, until, DigestStatus.SENDING, int(now)])

    def release_digest(self, week: str) -> None:
        """Not sent: the week stays open for another try."""
        with self.db.conn:
            self.db.execute(f"DELETE FROM {DIGESTS} WHERE week_key = ?", [week])

    def finish_digest(self, week: str, status: DigestStatus, chat_id: int | None = None,
                      message_id: int | None = None) -> None:
        with self.db.conn:
            self.db[DIGESTS].update(week, {"status": status, "chat_id": chat_id, "message_id": message_id})

    def last_digest(self) -> DigestRecord | None:
        row = next(iter(self.db[DIGESTS].rows_where(order_by="until DESC", limit=1)), None)
        return _digest(row) if row else None

    def digests(self) -> list[DigestRecord]:
        return [_digest(r) for r in self.db[DIGESTS].rows_where(order_by="until")]

    # -- posts -------------------------------------------------------------------------------
    def add_post(self, author_id: int, lang: str, content: PostContent, now: float) -> PostRecord:
        """A new draft."""
        stamp = int(now)
        with self.db.conn:
            pk = self.db[POSTS].insert({
                "author_id": author_id, "lang": lang, "kind": content.kind, "text": content.text,
                "entities": content.entities, "file_id": content.file_id, "status": PostStatus.DRAFT,
                "created_at": stamp, "updated_at": stamp}).last_pk
        return self.post(pk)

    def post(self, post_id: int) -> PostRecord | None:
        row = self._one(POSTS, "id = ?", [post_id])
        return _post(row) if row else None

    def move_post(self, post_id: int, source: PostStatus, target: PostStatus, now: float, *,
                  publish_at: int | None = None, channel_message_id: int | None = None,
                  error: str | None = None) -> bool:
        """Move a post from `source` to `target` if it still is in `source`; True if it moved.

        False means another press or run moved it first. A move content.posts does not
        allow raises IllegalMove.
        """
        check_move(source, target)
        changes = {"status": target, "updated_at": int(now)}
        changes |= {k: v for k, v in (("publish_at", publish_at), ("channel_message_id", channel_message_id),
                                      ("error", error)) if v is not None}
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.db.conn:
            cur = self.db.execute(f"UPDATE {POSTS} SET {sets} WHERE id = ? AND status = ?",
                                  [*changes.values(), post_id, source])
        return cur.rowcount == 1

    def posts(self, status: PostStatus) -> list[PostRecord]:
        """Posts with that status, by publish time."""
        return [_post(r) for r in self.db[POSTS].rows_where("status = ?", [status], order_by="publish_at, id")]
