"""Moderation tables in the app's shared SQLite database (via sqlite-utils).

The schema is two migration sets: ``migrations`` (the books) and ``names_migrations``
(who people are, how vote messages are worded). Call :func:`migrate` (or build any of
the books, which do it) on startup. All tables are prefixed ``mod_``.

Writes that must not interleave (vote settlement, undo) run in :func:`immediate`:
``BEGIN IMMEDIATE`` takes SQLite's write lock up front, so two connections (two
processes, two threads) serialize instead of both reading "open" and both settling,
and a per-connection lock keeps threads sharing one connection out of each other's
transaction. The settling UPDATE is still guarded by ``WHERE status = 'open'``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from typing import Any, Iterator

from sqlite_utils import Database, Migrations

from .votes import Eligibility

migrations = Migrations("moderation")


@migrations()
def m001_initial(db: Database) -> None:
    db["mod_votes"].create(
        {
            "id": int, "chat_id": int, "target_id": int, "target_kind": str,
            "initiator_id": int, "reason": str, "target_message_id": int,
            "poll_message_id": int, "created_at": float, "expires_at": float,
            "threshold": int, "min_messages": int, "outcome_kind": str,
            "outcome_seconds": int, "status": str, "settled_at": float,
            "settled_by": int, "decision": str,
        },
        pk="id",
        not_null={"chat_id", "target_id", "target_kind", "initiator_id", "created_at",
                  "expires_at", "threshold", "status"},
    )
    # One open vote per target, enforced by the database itself.
    db.execute(
        "CREATE UNIQUE INDEX mod_votes_one_open ON mod_votes (chat_id, target_kind, target_id)"
        " WHERE status = 'open'"
    )
    db["mod_votes"].create_index(["status", "expires_at"])
    db["mod_votes"].create_index(["chat_id", "initiator_id", "created_at"])
    db["mod_votes"].create_index(["chat_id", "status", "settled_at"])
    db["mod_ballots"].create(
        {"vote_id": int, "voter_id": int, "choice": str, "cast_at": float},
        pk=("vote_id", "voter_id"),
        foreign_keys=[("vote_id", "mod_votes", "id")],
    )
    db["mod_warns"].create(
        {
            "id": int, "chat_id": int, "user_id": int, "by_id": int, "reason": str,
            "created_at": float, "expires_at": float, "removed_at": float,
            "removed_by": int, "spent_at": float,
        },
        pk="id",
    )
    db["mod_warns"].create_index(["chat_id", "user_id", "created_at"])
    db["mod_activity"].create(
        {
            "chat_id": int, "user_id": int, "message_count": int, "joined_at": float,
            "first_seen_at": float, "last_seen_at": float,
        },
        pk=("chat_id", "user_id"),
        defaults={"message_count": 0},
    )
    db["mod_audit"].create(
        {
            "id": int, "chat_id": int, "actor_id": int, "actor_kind": str,
            "target_id": int, "target_kind": str, "action": str, "reason": str,
            "source": str, "outcome": str, "seconds": int, "ref": str,
            "created_at": float, "undone_by": int, "undone_at": float,
        },
        pk="id",
    )
    db["mod_audit"].create_index(["chat_id", "created_at"])
    db["mod_audit"].create_index(["chat_id", "target_id"])
    db["mod_admins"].create(
        {"chat_id": int, "user_id": int, "status": str, "rights": str, "updated_at": float},
        pk=("chat_id", "user_id"),
    )
    db["mod_chat_settings"].create(
        {"chat_id": int, "rules": str, "settings": str, "updated_at": float},
        pk="chat_id",
    )


# Kept under its first name, "bot_moderation" (these tables began in the bot), so that
# databases made then do not run it again.
names_migrations = Migrations("bot_moderation")


@names_migrations()
def m001_known_users_and_vote_meta(db: Database) -> None:
    # Everyone the bot has seen in the chat: resolves "/ban @username" (known_users.py).
    db["mod_known_users"].create(
        {"user_id": int, "username": str, "username_lc": str, "first_name": str,
         "last_name": str, "updated_at": float},
        pk="user_id",
    )
    db["mod_known_users"].create_index(["username_lc"])
    # How to re-render a vote message, fixed when the vote started (vote_labels.py).
    db["mod_vote_meta"].create(
        {"vote_id": int, "lang": str, "target_name": str, "initiator_name": str, "link": str},
        pk="vote_id",
    )


def migrate(db: Database) -> None:
    """Apply pending moderation migrations, both sets (idempotent). The application applies them
    once when it opens the database; the library's classes expect the schema to be there."""
    with _lock_for(db):
        migrations.apply(db)
        names_migrations.apply(db)


_locks: dict[int, threading.RLock] = {}
_locks_guard = threading.Lock()


def _lock_for(db: Database) -> threading.RLock:
    with _locks_guard:
        return _locks.setdefault(id(db.conn), threading.RLock())


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction that holds SQLite's write lock from its first statement.

    Nested use becomes a savepoint of the outer transaction.
    """
    with _lock_for(db):
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")


@dataclass(frozen=True)
class AdminEntry:
    chat_id: int
    user_id: int
    status: str  # "creator" | "administrator"
    rights: frozenset[str]
    updated_at: float


class ModerationStore:
    """Member activity, the admin cache and per-chat settings."""

    def __init__(self, db: Database):
        self.db = db

    # -- member activity (eligibility facts) --------------------------------------------

    def note_message(self, chat_id: int, user_id: int, now: float) -> int:
        """Count one message from ``user_id``; returns their new message count.
        The caller counts an album once and skips automatic forwards/service messages."""
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO mod_activity (chat_id, user_id, message_count, first_seen_at, last_seen_at)"
                " VALUES (?, ?, 1, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
                " message_count = message_count + 1, last_seen_at = excluded.last_seen_at",
                [chat_id, user_id, now, now],
            )
            row = self.db.execute(
                "SELECT message_count FROM mod_activity WHERE chat_id = ? AND user_id = ?",
                [chat_id, user_id],
            ).fetchone()
        return row[0]

    def note_join(self, chat_id: int, user_id: int, now: float) -> None:
        """A (re)join: membership starts again now; earlier messages still count."""
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO mod_activity (chat_id, user_id, message_count, joined_at)"
                " VALUES (?, ?, 0, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
                " joined_at = excluded.joined_at",
                [chat_id, user_id, now],
            )

    def activity(self, chat_id: int, user_id: int) -> tuple[int, float | None]:
        """(messages counted so far, when we saw them join or None) for the newcomer window."""
        row = self.db.execute(
            "SELECT message_count, joined_at FROM mod_activity WHERE chat_id = ? AND user_id = ?",
            [chat_id, user_id],
        ).fetchone()
        return (row[0] or 0, row[1]) if row else (0, None)

    def eligibility(self, chat_id: int, user_id: int, is_member: bool) -> Eligibility:
        """Facts for votes.eligibility_problem. ``is_member`` comes from getChatMember now.

        member_since is the join time we saw, or the first message if we never saw the join.
        """
        row = self.db.execute(
            "SELECT message_count, joined_at, first_seen_at FROM mod_activity"
            " WHERE chat_id = ? AND user_id = ?",
            [chat_id, user_id],
        ).fetchone()
        if row is None:
            return Eligibility(user_id, is_member, None, 0)
        count, joined_at, first_seen = row
        since = joined_at if joined_at is not None else first_seen
        return Eligibility(user_id, is_member, since, count or 0)

    # -- admin cache -------------------------------------------------------------------

    def set_admins(self, chat_id: int, admins: list[tuple[int, str, list[str] | set[str]]], now: float) -> None:
        """Replace the cached admin list: ``admins`` is [(user_id, status, rights)]."""
        with immediate(self.db):
            self.db.execute("DELETE FROM mod_admins WHERE chat_id = ?", [chat_id])
            for user_id, status, rights in admins:
                self._put_admin(chat_id, user_id, status, rights, now)

    def upsert_admin(self, chat_id: int, user_id: int, status: str, rights, now: float) -> None:
        with immediate(self.db):
            self._put_admin(chat_id, user_id, status, rights, now)

    def _put_admin(self, chat_id, user_id, status, rights, now) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO mod_admins (chat_id, user_id, status, rights, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [chat_id, user_id, status, json.dumps(sorted(rights)), now],
        )

    def remove_admin(self, chat_id: int, user_id: int) -> None:
        with immediate(self.db):
            self.db.execute("DELETE FROM mod_admins WHERE chat_id = ? AND user_id = ?", [chat_id, user_id])

    def admin(self, chat_id: int, user_id: int) -> AdminEntry | None:
        rows = self._admins("chat_id = ? AND user_id = ?", [chat_id, user_id])
        return rows[0] if rows else None

    def admins(self, chat_id: int) -> list[AdminEntry]:
        return self._admins("chat_id = ?", [chat_id])

    def _admins(self, where: str, args: list) -> list[AdminEntry]:
        return [
            AdminEntry(r["chat_id"], r["user_id"], r["status"], frozenset(json.loads(r["rights"])), r["updated_at"])
            for r in self.db["mod_admins"].rows_where(where, args, order_by="user_id")
        ]

    # -- chat settings -----------------------------------------------------------------

    def rules(self, chat_id: int) -> str | None:
        row = self.db.execute("SELECT rules FROM mod_chat_settings WHERE chat_id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def set_rules(self, chat_id: int, text: str, now: float) -> None:
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO mod_chat_settings (chat_id, rules, settings, updated_at) VALUES (?, ?, '{}', ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
                [chat_id, text, now],
            )

    def settings(self, chat_id: int) -> dict[str, Any]:
        """Custom per-chat values (e.g. {"vote_threshold": 7}); {} when none."""
        row = self.db.execute("SELECT settings FROM mod_chat_settings WHERE chat_id = ?", [chat_id]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def set_setting(self, chat_id: int, key: str, value: Any, now: float) -> None:
        with immediate(self.db):
            current = self.settings(chat_id)
            current[key] = value
            self.db.execute(
                "INSERT INTO mod_chat_settings (chat_id, settings, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET settings = excluded.settings,"
                " updated_at = excluded.updated_at",
                [chat_id, json.dumps(current), now],
            )
