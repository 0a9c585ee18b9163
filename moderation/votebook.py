"""VoteBook: the votekick state machine (votes.py) persisted in SQLite (store.py).

Every public method is one ``BEGIN IMMEDIATE`` transaction: load the vote and its
ballots, apply the pure transition, write back. Settlement is the single
``UPDATE mod_votes SET status = ? WHERE id = ? AND status = 'open'``; a rowcount of 0
means someone else settled first and the caller gets NotOpen, so a target is never
punished twice however many presses race. Open votes live only in the database, so a
new VoteBook after a restart sees them and their expiry (:meth:`open_votes`,
:meth:`expire_due`).

The methods are synchronous and short; from asyncio, call them directly (they never
await in the middle of a transaction) or via ``asyncio.to_thread``.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from sqlite_utils import Database

from . import votes as v
from .permissions import Actor
from .store import immediate
from .votes import Eligibility, Punishment, Target, Vote, VoteSettings

SettingsSource = VoteSettings | Callable[[int], VoteSettings]

_VOTE_COLUMNS = (
    "id, chat_id, target_id, target_kind, initiator_id, reason, target_message_id,"
    " poll_message_id, created_at, expires_at, threshold, min_messages, outcome_kind,"
    " outcome_seconds, status, settled_at, settled_by, decision"
)


class _LostRace(Exception):
    def __init__(self, vote_id: int):
        self.vote_id = vote_id


def _race_safe(method):
    """Turn a lost settlement race into NotOpen after the transaction rolled back."""

    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _LostRace as lost:
            return v.NotOpen(self.get(lost.vote_id))

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class VoteBook:
    def __init__(self, db: Database, settings: SettingsSource | None = None):
        """``settings``: one VoteSettings for all chats, or a function chat_id -> settings."""
        self.db = db
        self._settings = settings or VoteSettings()

    def settings_for(self, chat_id: int) -> VoteSettings:
        s = self._settings
        return s if isinstance(s, VoteSettings) else s(chat_id)

    # -- reading ---------------------------------------------------------------------

    def get(self, vote_id: int) -> Vote | None:
        row = self.db.execute(f"SELECT {_VOTE_COLUMNS} FROM mod_votes WHERE id = ?", [vote_id]).fetchone()
        return self._vote(row) if row else None

    def open_votes(self, chat_id: int | None = None) -> list[Vote]:
        """Open votes (all chats or one), oldest first: re-arm their timers after a restart."""
        where, args = ("status = 'open'", [])
        if chat_id is not None:
            where, args = ("status = 'open' AND chat_id = ?", [chat_id])
        rows = self.db.execute(
            f"SELECT {_VOTE_COLUMNS} FROM mod_votes WHERE {where} ORDER BY expires_at, id", args
        ).fetchall()
        return [self._vote(r) for r in rows]

    def open_vote_for(self, chat_id: int, target: Target) -> Vote | None:
        row = self.db.execute(
            f"SELECT {_VOTE_COLUMNS} FROM mod_votes WHERE chat_id = ? AND target_kind = ?"
            " AND target_id = ? AND status = 'open'",
            [chat_id, target.kind, target.id],
        ).fetchone()
        return self._vote(row) if row else None

    def open_vote_about(self, chat_id: int, message_id: int) -> Vote | None:
        """The open vote whose own message, or whose voted message, is ``message_id``."""
        row = self.db.execute(
            "SELECT id FROM mod_votes WHERE chat_id = ? AND status = 'open' AND"
            " (poll_message_id = ? OR target_message_id = ?) ORDER BY id DESC LIMIT 1",
            [chat_id, message_id, message_id],
        ).fetchone()
        return self.get(row[0]) if row else None

    def due(self, now: float) -> list[Vote]:
        """Open votes whose time is up at ``now`` (not yet settled)."""
        return [vt for vt in self.open_votes() if vt.expires_at <= now]

    def next_expiry(self) -> float | None:
        row = self.db.execute("SELECT MIN(expires_at) FROM mod_votes WHERE status = 'open'").fetchone()
        return row[0]

    # -- writing ---------------------------------------------------------------------

    @_race_safe
    def start(
        self,
        *,
        chat_id: int,
        initiator: Actor,
        initiator_facts: Eligibility,
        target: Actor,
        now: float,
        reason: str = "",
        target_message_id: int | None = None,
    ) -> v.Started | v.Refused:
        """Open a vote against ``target`` (a member or a channel identity)."""
        settings = self.settings_for(chat_id)
        tgt = Target(target.id, target.target_kind)
        with immediate(self.db):
            existing = self.open_vote_for(chat_id, tgt)
            stale = existing is not None and existing.expires_at <= now
            refusal = v.start_refusal(
                settings,
                initiator=initiator,
                initiator_facts=initiator_facts,
                target=target,
                now=now,
                open_vote_id=existing.id if existing and not stale else None,
                last_started_at=self._scalar(
                    "SELECT MAX(created_at) FROM mod_votes WHERE chat_id = ? AND initiator_id = ?",
                    chat_id, initiator.id,
                ),
                last_success_at=self._scalar(
                    "SELECT MAX(settled_at) FROM mod_votes WHERE chat_id = ? AND"
                    " (status = 'passed' OR (status = 'decided' AND decision = 'kick'))",
                    chat_id,
                ),
            )
            if refusal:
                return refusal
            superseded = None
            if stale:  # its timer has not fired yet; settle it here so it cannot block
                superseded = self._commit_settlement(v.expire(existing, now))
            vote = v.new_vote(
                settings, chat_id=chat_id, initiator_id=initiator.id, target=tgt, now=now,
                reason=reason, target_message_id=target_message_id,
            )
            try:
                cur = self.db.execute(
                    "INSERT INTO mod_votes (chat_id, target_id, target_kind, initiator_id, reason,"
                    " target_message_id, created_at, expires_at, threshold, min_messages,"
                    " outcome_kind, outcome_seconds, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [vote.chat_id, tgt.id, tgt.kind, vote.initiator_id, vote.reason,
                     vote.target_message_id, vote.created_at, vote.expires_at, vote.threshold,
                     vote.min_messages, vote.outcome.kind, vote.outcome.seconds, v.OPEN],
                )
            except sqlite3.IntegrityError:  # another connection opened one in between
                other = self.open_vote_for(chat_id, tgt)
                return v.Refused("already_open", vote_id=other.id if other else None)
            vote.id = cur.lastrowid
            self._write_ballot(vote.id, vote.initiator_id, v.KICK, now)
        return v.Started(vote, superseded)

    def attach_message(self, vote_id: int, poll_message_id: int) -> None:
        """Remember the bot's message with the buttons, to edit it when the vote closes."""
        with immediate(self.db):
            self.db.execute("UPDATE mod_votes SET poll_message_id = ? WHERE id = ?", [poll_message_id, vote_id])

    @_race_safe
    def cast(self, vote_id: int, voter: Eligibility, choice: str, now: float):
        """A button press: VoteCast | Moved | AlreadyVoted | NotEligible | NotOpen |
        NotFound | Closed (this press settled it: punish if ``closed.punishment``)."""
        with immediate(self.db):
            vote = self.get(vote_id)
            if vote is None:
                return v.NotFound(vote_id)
            before = vote.votes.get(voter.user_id)
            result = v.cast(vote, voter, choice, now)
            if vote.votes.get(voter.user_id) != before:
                self._write_ballot(vote.id, voter.user_id, choice, now)
            if isinstance(result, v.Closed):
                return self._commit_settlement(result)
            return result

    def cancel(self, vote_id: int, by: Actor, now: float):
        """Admin cancels: Closed(cancelled) | Denied | NotOpen | NotFound."""
        return self._admin_op(vote_id, lambda vote: v.cancel(vote, by, now))

    def decide(self, vote_id: int, by: Actor, kick: bool, now: float):
        """Admin decides: Closed(decided, punishment if kick) | Denied | NotOpen | NotFound."""
        return self._admin_op(vote_id, lambda vote: v.decide(vote, by, kick, now))

    @_race_safe
    def expire(self, vote_id: int, now: float):
        """Timer fired for one vote: Closed(expired) | NotOpen | NotFound | None (not due yet)."""
        with immediate(self.db):
            vote = self.get(vote_id)
            if vote is None:
                return v.NotFound(vote_id)
            if not vote.is_open:
                return v.NotOpen(vote)
            closed = v.expire(vote, now)
            return self._commit_settlement(closed) if closed else None

    def expire_due(self, now: float) -> list[v.Closed]:
        """Settle every open vote whose time is up; call on startup and from the scheduler."""
        out = []
        for vote in self.due(now):
            result = self.expire(vote.id, now)
            if isinstance(result, v.Closed):
                out.append(result)
        return out

    # -- internals -------------------------------------------------------------------

    @_race_safe
    def _admin_op(self, vote_id: int, op):
        with immediate(self.db):
            vote = self.get(vote_id)
            if vote is None:
                return v.NotFound(vote_id)
            result = op(vote)
            if isinstance(result, v.Closed):
                return self._commit_settlement(result)
            return result

    def _commit_settlement(self, closed: v.Closed) -> v.Closed:
        if not self._write_status(closed.vote):
            # Someone settled first (only possible if the write lock was bypassed):
            # roll this transaction back, ballot included; the caller returns NotOpen.
            raise _LostRace(closed.vote.id)
        return closed

    def _write_status(self, vote: Vote) -> bool:
        cur = self.db.execute(
            "UPDATE mod_votes SET status = ?, settled_at = ?, settled_by = ?, decision = ?"
            " WHERE id = ? AND status = 'open'",
            [vote.status, vote.settled_at, vote.settled_by, vote.decision, vote.id],
        )
        return cur.rowcount == 1

    def _write_ballot(self, vote_id: int, voter_id: int, choice: str, now: float) -> None:
        self.db.execute(
            "INSERT INTO mod_ballots (vote_id, voter_id, choice, cast_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (vote_id, voter_id) DO UPDATE SET choice = excluded.choice,"
            " cast_at = excluded.cast_at",
            [vote_id, voter_id, choice, now],
        )

    def _scalar(self, sql: str, *args):
        return self.db.execute(sql, list(args)).fetchone()[0]

    def _vote(self, row) -> Vote:
        (id_, chat_id, target_id, target_kind, initiator_id, reason, target_message_id,
         poll_message_id, created_at, expires_at, threshold, min_messages, outcome_kind,
         outcome_seconds, status, settled_at, settled_by, decision) = row
        ballots = self.db.execute(
            "SELECT voter_id, choice FROM mod_ballots WHERE vote_id = ? ORDER BY cast_at, voter_id", [id_]
        ).fetchall()
        return Vote(
            id=id_, chat_id=chat_id, target=Target(target_id, target_kind),
            initiator_id=initiator_id, reason=reason or "", target_message_id=target_message_id,
            created_at=created_at, expires_at=expires_at, threshold=threshold,
            min_messages=min_messages, outcome=Punishment(outcome_kind, outcome_seconds),
            votes={voter: choice for voter, choice in ballots}, status=status,
            poll_message_id=poll_message_id, settled_at=settled_at, settled_by=settled_by,
            decision=decision,
        )
