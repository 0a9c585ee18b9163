"""Everyone the bot has seen in the chat, so that "/ban @username" finds them: Telegram
offers bots no username lookup. A username belongs to one account at a time."""

from __future__ import annotations

from sqlite_utils import Database

from .store import immediate


class KnownUsers:
    def __init__(self, db: Database):
        self.db = db

    def remember(self, user_id: int, username: str | None, first_name: str, last_name: str | None,
                 now: float) -> None:
        """Record who ``user_id`` is now; an account that held ``username`` before loses it."""
        username_lc = (username or "").lower() or None
        with immediate(self.db):
            if username_lc:
                self.db.execute("UPDATE mod_known_users SET username = NULL, username_lc = NULL"
                                " WHERE username_lc = ? AND user_id != ?", [username_lc, user_id])
            self.db.execute(
                "INSERT INTO mod_known_users (user_id, username, username_lc, first_name, last_name,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " username = excluded.username, username_lc = excluded.username_lc,"
                " first_name = excluded.first_name, last_name = excluded.last_name,"
                " updated_at = excluded.updated_at",
                [user_id, username, username_lc, first_name, last_name, now])

    def by_username(self, username: str) -> int | None:
        """The account holding ``username`` ("@name" or "name", any case), if seen."""
        row = self.db.execute("SELECT user_id FROM mod_known_users WHERE username_lc = ?"
                              " ORDER BY updated_at DESC LIMIT 1", [username.lstrip("@").lower()]).fetchone()
        return row[0] if row else None

    def name(self, user_id: int) -> str | None:
        """First and last name as last seen."""
        row = self.db.execute("SELECT first_name, last_name FROM mod_known_users WHERE user_id = ?",
                              [user_id]).fetchone()
        return " ".join(p for p in row if p) if row else None
