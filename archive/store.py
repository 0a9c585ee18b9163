"""The archive: posts keyed by (channel, message), versions on edit, FTS kept in step."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import sqlite_utils

from archive import fts, text as textlib
from archive.db import connect, is_memory, open_db, path_of, transaction
from archive.models import Entity, IncomingPost, Post, WriteResult


def post_url(channel_id: int, message_id: int, username: str | None) -> str:
    """The post's public link, or the t.me/c/ form for a private channel."""
    if username:
        return f"https://t.me/{username}/{message_id}"
    internal = str(abs(channel_id))
    if internal.startswith("100") and len(internal) > 10:
        internal = internal[3:]
    return f"https://t.me/c/{internal}/{message_id}"


def _entities_json(entities: list[Entity]) -> str:
    return json.dumps([e.to_dict() for e in entities], ensure_ascii=False, sort_keys=True)


def _hash(text: str, entities_json: str) -> str:
    return hashlib.sha256(f"{text}\x00{entities_json}".encode()).hexdigest()


class Archive:
    """The channel archive over one SQLite database.

    `Archive(path)` opens (creating unless `create=False`) the file and applies the schema;
    `Archive(db)` adopts a database already opened with `archive.db.open_db`. Use it as a
    context manager, or call `close()`. Safe to share between threads: `db` is the calling
    thread's own connection (the rule is in archive/db.py).
    """

    def __init__(self, db: sqlite_utils.Database | str | Path | None = None, *, create: bool = True):
        if not isinstance(db, sqlite_utils.Database):
            db = open_db(db, create=create)
        self.path = path_of(db)
        self._shared = db if is_memory(self.path) else None
        self._local = threading.local()
        self._local.db = db
        self._opened = [db]
        self._opened_lock = threading.Lock()
        self._usernames: dict[int, str | None] = {}

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (one per thread; the schema is already in place)."""
        if self._shared is not None:
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.path)
            with self._opened_lock:
                self._opened.append(db)
        return db

    def transaction(self):
        """One write transaction on this thread's connection (see archive.db.transaction)."""
        return transaction(self.db)

    def close(self) -> None:
        """Close every thread's connection."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- channels -------------------------------------------------------------------
    def set_channel(self, channel_id: int, title: str | None = None, username: str | None = None) -> None:
        with self.transaction():
            current = self._channel_row(channel_id) or {}
            row = {"id": channel_id, "title": title or current.get("title"),
                   "username": (username or current.get("username") or None)}
            self.db["channels"].upsert(row, pk="id")
        self._usernames.pop(channel_id, None)

    def _channel_row(self, channel_id: int) -> dict | None:
        rows = list(self.db["channels"].rows_where("id = ?", [channel_id]))
        return rows[0] if rows else None

    def channel_username(self, channel_id: int) -> str | None:
        if channel_id not in self._usernames:
            self._usernames[channel_id] = (self._channel_row(channel_id) or {}).get("username")
        return self._usernames[channel_id]

    # -- writing --------------------------------------------------------------------
    def write(self, post: IncomingPost) -> WriteResult:
        """Store a message; the same content again is a no-op, a change is a new version."""
        with self.transaction():
            return self._write(post)

    def write_many(self, posts) -> list[WriteResult]:
        """Write several messages in one transaction (all or nothing)."""
        with self.transaction():
            return [self._write(p) for p in posts]

    def _write(self, post: IncomingPost) -> WriteResult:
        part_json = _entities_json(post.entities)
        part = self._part(post.channel_id, post.message_id)
        if part and (post.edit_date or 0) < (part["edit_date"] or 0):
            # An older state of a message stored since in a newer one: Telegram redelivering
            # updates the bot had not confirmed, or an export older than the live edits.
            version = self.db.execute("SELECT version FROM posts WHERE id = ?", [part["post_id"]]).fetchone()[0]
            return WriteResult("unchanged", part["post_id"], version)
        post_id = part["post_id"] if part else self._album_post(post)
        part_row = {"channel_id": post.channel_id, "message_id": post.message_id, "text": post.text,
                    "entities": part_json, "media": post.media, "edit_date": post.edit_date}
        if post_id is None:
            post_id = self._insert_post(post)
        self.db["post_parts"].upsert({**part_row, "post_id": post_id}, pk=("channel_id", "message_id"))
        return self._rebuild(post_id, post)

    def _part(self, channel_id: int, message_id: int) -> dict | None:
        rows = list(self.db["post_parts"].rows_where(
            "channel_id = ? AND message_id = ?", [channel_id, message_id]))
        return rows[0] if rows else None

    def _album_post(self, post: IncomingPost) -> int | None:
        if not post.media_group_id:
            return None
        row = self.db.execute(
            "SELECT id FROM posts WHERE channel_id = ? AND media_group_id = ?",
            [post.channel_id, post.media_group_id]).fetchone()
        return row[0] if row else None

    def _insert_post(self, post: IncomingPost) -> int:
        return self.db["posts"].insert({
            "channel_id": post.channel_id, "message_id": post.message_id, "date": post.date,
            "media_group_id": post.media_group_id, "source": post.source, "version": 1,
            "text": "", "entities": "[]", "content_hash": None,
        }).last_pk

    def _rebuild(self, post_id: int, incoming: IncomingPost) -> WriteResult:
        """Recompose a post from its parts; version it if its text changed."""
        row = self.db["posts"].get(post_id)
        text, entities = self._compose(post_id)
        entities_json = _entities_json(entities)
        content_hash = _hash(text, entities_json)
        reactions = incoming.reactions if incoming.reactions is not None else json.loads(row["reactions"] or "{}")
        first_id = self.db.execute(
            "SELECT MIN(message_id) FROM post_parts WHERE post_id = ?", [post_id]).fetchone()[0]
        changes = {
            "message_id": first_id, "date": min(row["date"], incoming.date),
            "forwarded_from": incoming.forwarded_from or row["forwarded_from"],
            "media": row["media"] or incoming.media,
            "reactions": json.dumps(reactions, ensure_ascii=False),
            "reaction_total": sum(reactions.values()),
        }
        if content_hash == row["content_hash"]:
            self.db["posts"].update(post_id, changes)
            return WriteResult("unchanged", post_id, row["version"])
        created = row["content_hash"] is None
        version = row["version"]
        if row["text"] and not created:
            self.db["post_versions"].insert({
                "post_id": post_id, "version": version, "text": row["text"],
                "entities": row["entities"], "edit_date": row["edit_date"],
                "replaced_at": incoming.edit_date or int(time.time()),
            })
            version += 1
        title = textlib.title_of(text)
        changes.update({
            "text": text, "entities": entities_json, "title": title, "version": version,
            "hashtags": json.dumps(textlib.hashtags(text, entities), ensure_ascii=False),
            "links": json.dumps(textlib.links(text, entities), ensure_ascii=False),
            "content_hash": content_hash,
            "edit_date": incoming.edit_date or row["edit_date"],
        })
        self.db["posts"].update(post_id, changes)
        fts.index_post(self.db, post_id, title, textlib.searchable_text(text, entities))
        return WriteResult("created" if created else "updated", post_id, version)

    def _compose(self, post_id: int) -> tuple[str, list[Entity]]:
        """An album's text is its parts' captions in message order (usually one)."""
        texts: list[str] = []
        entities: list[Entity] = []
        offset = 0
        for part in self.db["post_parts"].rows_where("post_id = ?", [post_id], order_by="message_id"):
            if not part["text"]:
                continue
            if texts:
                offset += 1  # the "\n" joining captions
            for e in json.loads(part["entities"]):
                entity = Entity.from_dict(e)
                entities.append(Entity(**{**entity.__dict__, "offset": entity.offset + offset}))
            texts.append(part["text"])
            offset += textlib.utf16_len(part["text"])
        return "\n".join(texts), entities

    def set_reactions(self, channel_id: int, message_id: int, reactions: dict[str, int]) -> bool:
        """Replace a post's reaction counts (from message_reaction_count); False if unknown."""
        with self.transaction():
            part = self._part(channel_id, message_id)
            if not part:
                return False
            self.db["posts"].update(part["post_id"], {
                "reactions": json.dumps(reactions, ensure_ascii=False),
                "reaction_total": sum(reactions.values())})
        return True

    # -- upkeep ---------------------------------------------------------------------
    def rebuild_full_text(self) -> int:
        """Re-create every post's full-text row from its stored text, in one transaction
        (readers see the old index until it commits). Returns the posts indexed."""
        with self.transaction():
            self.db.execute("DELETE FROM posts_fts")
            rows = self.db.execute(
                "SELECT id, title, text, entities FROM posts WHERE content_hash IS NOT NULL").fetchall()
            for post_id, title, text, entities in rows:
                self._index(post_id, title, text, entities)
        return len(rows)

    def index_missing_text(self) -> tuple[int, int]:
        """Index posts that have no full-text row, drop rows of no post: (added, dropped)."""
        with self.transaction():
            rows = self.db.execute(
                "SELECT id, title, text, entities FROM posts p WHERE content_hash IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM posts_fts f WHERE f.rowid = p.id)").fetchall()
            for post_id, title, text, entities in rows:
                self._index(post_id, title, text, entities)
            dropped = self.db.execute(
                "DELETE FROM posts_fts WHERE rowid NOT IN "
                "(SELECT id FROM posts WHERE content_hash IS NOT NULL)").rowcount
        return len(rows), dropped

    def _index(self, post_id: int, title: str | None, text: str | None, entities: str | None) -> None:
        parsed = [Entity.from_dict(e) for e in json.loads(entities or "[]")]
        fts.index_post(self.db, post_id, title or "", textlib.searchable_text(text or "", parsed))

    def complete_unfinished(self) -> tuple[int, int]:
        """Finish post rows whose write never completed (possible only in databases written
        before writes were atomic): rebuilt from their parts, or dropped if they have none.
        Returns (rebuilt, dropped)."""
        rebuilt = dropped = 0
        with self.transaction():
            for row in list(self.db["posts"].rows_where("content_hash IS NULL")):
                if self.db.execute("SELECT 1 FROM post_parts WHERE post_id = ?", [row["id"]]).fetchone():
                    self._rebuild(row["id"], IncomingPost(
                        channel_id=row["channel_id"], message_id=row["message_id"], date=row["date"],
                        edit_date=row["edit_date"], forwarded_from=row["forwarded_from"], media=row["media"]))
                    rebuilt += 1
                else:
                    self.db.execute("DELETE FROM post_versions WHERE post_id = ?", [row["id"]])
                    self.db.execute("DELETE FROM posts WHERE id = ?", [row["id"]])
                    dropped += 1
        return rebuilt, dropped

    # -- reading --------------------------------------------------------------------
    def get(self, channel_id: int, message_id: int) -> Post | None:
        part = self._part(channel_id, message_id)
        return self.get_by_id(part["post_id"]) if part else None

    def get_by_id(self, post_id: int) -> Post | None:
        rows = list(self.db["posts"].rows_where("id = ? AND content_hash IS NOT NULL", [post_id]))
        return self._post(rows[0]) if rows else None

    def get_many(self, post_ids: list[int]) -> dict[int, Post]:
        if not post_ids:
            return {}
        marks = ",".join("?" * len(post_ids))
        rows = self.db["posts"].rows_where(f"id IN ({marks})", list(post_ids))
        return {row["id"]: self._post(row) for row in rows}

    def posts(self, since: int | None = None, until: int | None = None, hashtag: str | None = None,
              limit: int | None = None, offset: int = 0, newest_first: bool = True) -> list[Post]:
        where, params = self.filter_sql(since, until, hashtag)
        rows = self.db["posts"].rows_where(
            where, params, order_by="date DESC, id DESC" if newest_first else "date, id",
            limit=limit, offset=offset or None)
        return [self._post(row) for row in rows]

    @staticmethod
    def filter_sql(since: int | None = None, until: int | None = None,
                   hashtag: str | None = None) -> tuple[str, list]:
        """A WHERE clause over `posts`: `since` <= date < `until` (unix seconds; a person's
        inclusive last day becomes `until` in archive/query.py) and a hashtag."""
        clauses, params = ["content_hash IS NOT NULL"], []
        if since is not None:
            clauses.append("date >= ?")
            params.append(since)
        if until is not None:
            clauses.append("date < ?")
            params.append(until)
        if hashtag:
            clauses.append("EXISTS (SELECT 1 FROM json_each(posts.hashtags) WHERE value = ?)")
            params.append(textlib.clean(hashtag).lstrip("#").lower())
        return " AND ".join(clauses), params

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM posts WHERE content_hash IS NOT NULL").fetchone()[0]

    def versions(self, post_id: int) -> list[dict]:
        """Earlier versions of a post, oldest first."""
        return list(self.db["post_versions"].rows_where("post_id = ?", [post_id], order_by="version"))

    def _post(self, row: dict) -> Post:
        return Post(
            id=row["id"], channel_id=row["channel_id"], message_id=row["message_id"],
            date=row["date"], text=row["text"] or "",
            entities=[Entity.from_dict(e) for e in json.loads(row["entities"] or "[]")],
            title=row["title"] or "", hashtags=json.loads(row["hashtags"] or "[]"),
            links=json.loads(row["links"] or "[]"), edit_date=row["edit_date"],
            forwarded_from=row["forwarded_from"], media=row["media"],
            reactions=json.loads(row["reactions"] or "{}"), version=row["version"],
            url=post_url(row["channel_id"], row["message_id"], self.channel_username(row["channel_id"])),
        )
