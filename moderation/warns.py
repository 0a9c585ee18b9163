"""Warnings: a per-chat limit that turns into a punishment, and expiry.

Choice on reaching the limit: the active warns are marked *spent* (reset). The user is
punished once and starts again from zero; keeping the count would punish them again on
every later warn. Spent and removed warns stay in the table for the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .durations import DAY
from .store import immediate
from .votes import Punishment


@dataclass(frozen=True)
class WarnPolicy:
    limit: int = 3  # the N-th active warn triggers ``action``
    action: Punishment = Punishment("mute", DAY)
    expire_after: int | None = 30 * DAY  # seconds; None = warns never expire

    def __post_init__(self):
        if self.limit < 1:
            raise ValueError("limit must be at least 1")
        if self.expire_after is not None and self.expire_after <= 0:
            raise ValueError("expire_after must be positive or None")


@dataclass(frozen=True)
class Warn:
    id: int
    chat_id: int
    user_id: int
    by_id: int
    reason: str
    created_at: float
    expires_at: float | None


@dataclass(frozen=True)
class WarnResult:
    warn: Warn
    active: int  # active warns counted towards the limit, including this one
    limit: int
    punishment: Punishment | None  # set when this warn reached the limit: apply it now

    @property
    def limit_reached(self) -> bool:
        return self.punishment is not None


class WarnBook:
    def __init__(self, db: Database, policy: WarnPolicy | None = None):
        self.db = db
        self.policy = policy or WarnPolicy()

    def add(self, chat_id: int, user_id: int, by_id: int, now: float, reason: str = "") -> WarnResult:
        """Warn ``user_id``. On reaching the limit the active warns are spent (reset to 0)
        and the result carries the punishment to apply."""
        p = self.policy
        expires_at = now + p.expire_after if p.expire_after is not None else None
        with immediate(self.db):
            cur = self.db.execute(
                "INSERT INTO mod_warns (chat_id, user_id, by_id, reason, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [chat_id, user_id, by_id, reason, now, expires_at],
            )
            warn = Warn(cur.lastrowid, chat_id, user_id, by_id, reason, now, expires_at)
            active = self.active(chat_id, user_id, now)
            punishment = None
            if len(active) >= p.limit:
                punishment = p.action
                ids = [w.id for w in active]
                self.db.execute(
                    f"UPDATE mod_warns SET spent_at = ? WHERE id IN ({','.join('?' * len(ids))})",
                    [now, *ids],
                )
        return WarnResult(warn, len(active), p.limit, punishment)

    def active(self, chat_id: int, user_id: int, now: float) -> list[Warn]:
        """Warns that count now: not expired, not removed, not spent; oldest first."""
        rows = self.db.execute(
            "SELECT id, chat_id, user_id, by_id, reason, created_at, expires_at FROM mod_warns"
            " WHERE chat_id = ? AND user_id = ? AND removed_at IS NULL AND spent_at IS NULL"
            " AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at, id",
            [chat_id, user_id, now],
        ).fetchall()
        return [Warn(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6]) for r in rows]

    def remove_last(self, chat_id: int, user_id: int, by_id: int, now: float) -> Warn | None:
        """Withdraw the newest active warn (/unwarn); None if there is none."""
        with immediate(self.db):
            active = self.active(chat_id, user_id, now)
            if not active:
                return None
            last = active[-1]
            self._remove(last.id, by_id, now)
        return last

    def remove(self, warn_id: int, by_id: int, now: float) -> bool:
        """Withdraw one specific warn (used by undo); False if it was already withdrawn."""
        with immediate(self.db):
            return self._remove(warn_id, by_id, now)

    def _remove(self, warn_id: int, by_id: int, now: float) -> bool:
        cur = self.db.execute(
            "UPDATE mod_warns SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL",
            [now, by_id, warn_id],
        )
        return cur.rowcount == 1
