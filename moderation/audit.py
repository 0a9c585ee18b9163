"""The audit log: every punishment with who, whom, why and how, and its undo.

``undo_action`` is pure: it says which reverse call the bot must make. ``AuditLog.undo``
marks the record undone atomically (a record can be undone once) and returns that
reverse action; the bot performs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .store import immediate

SOURCES = ("admin", "vote", "flood", "warn-limit", "spam")
_COLUMNS = (
    "id, chat_id, actor_id, actor_kind, target_id, target_kind, action, reason, source,"
    " outcome, seconds, ref, created_at, undone_by, undone_at"
)


@dataclass(frozen=True)
class AuditRecord:
    id: int | None
    chat_id: int
    actor_id: int
    actor_kind: str  # an ActorKind value, or "bot" for automatic actions
    target_id: int
    target_kind: str  # "user" | "chat"
    action: str  # ban | unban | kick | mute | unmute | warn | unwarn | del | ...
    reason: str
    source: str  # "admin" | "vote" | "flood" | "warn-limit" | "spam"
    outcome: str  # what happened, e.g. "done", "failed: not enough rights"
    created_at: float
    seconds: int | None = None  # duration of a ban/mute; None = permanent/not applicable
    ref: str | None = None  # warn id for "warn", vote id for source "vote", taught sample for "spam"
    undone_by: int | None = None
    undone_at: float | None = None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass(frozen=True)
class ReverseAction:
    """What the bot must call to undo a record.

    action: "unban" (unbanChatMember(only_if_banned=True), or unbanChatSenderChat when
    target_kind == "chat"), "unmute" (restrictChatMember with the chat's default
    permissions), "unwarn" (WarnBook.remove(warn_id)).
    """

    action: str
    chat_id: int
    target_id: int
    target_kind: str
    warn_id: int | None = None


_REVERSE = {"ban": "unban", "kick": "unban", "mute": "unmute", "warn": "unwarn"}


def undo_action(record: AuditRecord) -> ReverseAction | None:
    """The reverse of ``record``; None if it cannot be undone (already undone, a delete,
    an unban...). A kick with a term is undone with an unban that lets the person back in
    at once; a plain kick leaves nothing to undo (they may come back anyway)."""
    reverse = _REVERSE.get(record.action)
    if reverse is None or record.undone:
        return None
    if record.action == "kick" and record.seconds is None:
        return None
    if reverse == "unwarn":
        if record.ref is None:
            return None
        return ReverseAction(reverse, record.chat_id, record.target_id, record.target_kind, int(record.ref))
    if record.target_kind == "chat" and reverse == "unmute":
        reverse = "unban"  # channel identities are only ever banned
    return ReverseAction(reverse, record.chat_id, record.target_id, record.target_kind)


@dataclass(frozen=True)
class UndoResult:
    ok: bool
    reason: str  # "ok" | "not_found" | "already_undone" | "not_undoable"
    reverse: ReverseAction | None = None
    record: AuditRecord | None = None


class AuditLog:
    def __init__(self, db: Database):
        self.db = db

    def record(self, rec: AuditRecord) -> AuditRecord:
        """Store ``rec`` (its id is ignored) and return it with the new id."""
        if rec.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        with immediate(self.db):
            cur = self.db.execute(
                "INSERT INTO mod_audit (chat_id, actor_id, actor_kind, target_id, target_kind, action,"
                " reason, source, outcome, seconds, ref, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [rec.chat_id, rec.actor_id, rec.actor_kind, rec.target_id, rec.target_kind, rec.action,
                 rec.reason, rec.source, rec.outcome, rec.seconds, rec.ref, rec.created_at],
            )
        return self.get(cur.lastrowid)

    def get(self, record_id: int) -> AuditRecord | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM mod_audit WHERE id = ?", [record_id]).fetchone()
        return _record(row) if row else None

    def list(self, chat_id: int, *, target_id: int | None = None, limit: int = 50) -> list[AuditRecord]:
        """Newest first; optionally only those about one target."""
        sql, args = f"SELECT {_COLUMNS} FROM mod_audit WHERE chat_id = ?", [chat_id]
        if target_id is not None:
            sql += " AND target_id = ?"
            args.append(target_id)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return [_record(r) for r in self.db.execute(sql, [*args, limit]).fetchall()]

    def last_undoable(self, chat_id: int, target_id: int | None = None) -> AuditRecord | None:
        """The newest record that undo could reverse (for a bare /undo)."""
        for rec in self.list(chat_id, target_id=target_id, limit=200):
            if undo_action(rec) is not None:
                return rec
        return None

    def undo(self, record_id: int, by_id: int, now: float) -> UndoResult:
        """Mark ``record_id`` undone (once) and return the reverse action to perform."""
        with immediate(self.db):
            rec = self.get(record_id)
            if rec is None:
                return UndoResult(False, "not_found")
            if rec.undone:
                return UndoResult(False, "already_undone", record=rec)
            reverse = undo_action(rec)
            if reverse is None:
                return UndoResult(False, "not_undoable", record=rec)
            cur = self.db.execute(
                "UPDATE mod_audit SET undone_by = ?, undone_at = ? WHERE id = ? AND undone_at IS NULL",
                [by_id, now, record_id],
            )
            if cur.rowcount != 1:
                return UndoResult(False, "already_undone", record=rec)
        return UndoResult(True, "ok", reverse, self.get(record_id))


def _record(row) -> AuditRecord:
    (id_, chat_id, actor_id, actor_kind, target_id, target_kind, action, reason, source,
     outcome, seconds, ref, created_at, undone_by, undone_at) = row
    return AuditRecord(
        id=id_, chat_id=chat_id, actor_id=actor_id, actor_kind=actor_kind, target_id=target_id,
        target_kind=target_kind, action=action, reason=reason or "", source=source,
        outcome=outcome or "", created_at=created_at, seconds=seconds, ref=ref,
        undone_by=undone_by, undone_at=undone_at,
    )
