"""Spam reports: a newcomer's message the check removed or doubts, shown to the admins in the log
chat with «Это не спам» / «Бан» until one of them decides (a report is decided once)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database, Migrations

from moderation.store import immediate

report_migrations = Migrations("bot_spam")


@report_migrations()
def m001_reports(db: Database) -> None:
    db["spam_reports"].create(
        {"id": int, "chat_id": int, "message_id": int, "user_id": int, "user_name": str, "lang": str,
         "text": str, "removed": int, "audit_id": int, "status": str, "decided_by": int,
         "decided_at": float, "created_at": float},
        pk="id", not_null={"chat_id", "message_id", "user_id", "text", "removed", "status", "created_at"},
    )


@report_migrations()
def m002_channel_authors(db: Database) -> None:
    db["spam_reports"].add_column("user_kind", str, not_null_default="user")  # "chat": a channel identity


OPEN, HAM, SPAM = "open", "ham", "spam"


@dataclass(frozen=True)
class SpamReport:
    id: int
    chat_id: int
    message_id: int
    user_id: int
    user_name: str  # safe HTML, as the log chat showed it
    lang: str  # the member's language, for telling them
    text: str
    removed: bool  # deleted and the member restricted (else kept, the admins asked)
    audit_id: int | None  # the restriction's audit record, undone by «Это не спам»
    status: str  # open | ham | spam
    decided_by: int | None
    user_kind: str = "user"  # "chat": the author wrote as a channel (banned there, not restricted)


class SpamReports:
    def __init__(self, db: Database):
        self.db = db

    def add(self, *, chat_id: int, message_id: int, user_id: int, user_name: str, lang: str, text: str,
            removed: bool, audit_id: int | None, now: float, user_kind: str = "user") -> SpamReport:
        with immediate(self.db):
            cur = self.db.execute(
                "INSERT INTO spam_reports (chat_id, message_id, user_id, user_kind, user_name, lang, text,"
                " removed, audit_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [chat_id, message_id, user_id, user_kind, user_name, lang, text, int(removed), audit_id, OPEN,
                 now])
        return self.get(cur.lastrowid)

    def get(self, report_id: int) -> SpamReport | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM spam_reports WHERE id = ?", [report_id]).fetchone()
        return SpamReport(*row[:7], bool(row[7]), *row[8:]) if row else None

    def decide(self, report_id: int, status: str, by: int, now: float) -> bool:
        """Settle an open report; False if it is already decided (two admins pressing at once)."""
        with immediate(self.db):
            cur = self.db.execute(
                "UPDATE spam_reports SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?",
                [status, by, now, report_id, OPEN])
        return cur.rowcount == 1

    def reopen(self, report_id: int) -> None:
        """The decision could not be carried out (Telegram refused): the buttons work again."""
        with immediate(self.db):
            self.db.execute("UPDATE spam_reports SET status = ?, decided_by = NULL, decided_at = NULL"
                            " WHERE id = ?", [OPEN, report_id])


_COLUMNS = "id, chat_id, message_id, user_id, user_name, lang, text, removed, audit_id, status, decided_by, user_kind"
