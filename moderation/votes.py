"""Votekick as a pure state machine: settings, the Vote record, and results.

Nothing here touches a clock or a database: every function takes ``now`` and plain
facts, mutates the in-memory :class:`Vote` it was given and returns a result object.
:class:`moderation.votebook.VoteBook` runs these functions inside one SQLite
transaction per call, which is what makes settlement atomic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .durations import DAY, TELEGRAM_MAX_SECONDS, TELEGRAM_MIN_SECONDS, Duration
from .permissions import Action, Actor, Decision, can_be_targeted, check

KICK = "kick"
KEEP = "keep"
CHOICES = (KICK, KEEP)

OPEN = "open"
PASSED = "passed"  # "kick" reached the threshold: punish
FAILED = "failed"  # "keep" reached the threshold
EXPIRED = "expired"  # ttl ran out before either side won
CANCELLED = "cancelled"  # an admin cancelled it
DECIDED = "decided"  # an admin decided it (see Vote.decision)
STATUSES = (OPEN, PASSED, FAILED, EXPIRED, CANCELLED, DECIDED)


@dataclass(frozen=True)
class Punishment:
    """What the bot must do to a target.

    - ``kick``, seconds=None: banChatMember then unbanChatMember(only_if_banned=True).
    - ``kick``, seconds=N: banChatMember(until_date=now+N): out now, may rejoin after N.
    - ``mute``: restrictChatMember(can_send_messages=False, until_date), None = forever.
    - ``ban``: banChatMember(until_date), None = forever.
    For a channel identity (target kind "chat") it is always banChatSenderChat, which
    has no until_date: see :meth:`for_target`.
    """

    kind: str
    seconds: int | None = None

    def __post_init__(self):
        if self.kind not in ("kick", "mute", "ban"):
            raise ValueError(f"unknown punishment {self.kind!r}")
        if self.seconds is not None and not TELEGRAM_MIN_SECONDS <= self.seconds <= TELEGRAM_MAX_SECONDS:
            raise ValueError("a punishment duration must be between 30 s and 366 days (or None)")

    @property
    def duration(self) -> Duration:
        return Duration(self.seconds)

    def for_target(self, target_kind: str) -> "Punishment":
        """Channel identities can only be banned, permanently (banChatSenderChat)."""
        return Punishment("ban", None) if target_kind == "chat" else self


DEFAULT_OUTCOME = Punishment("kick", DAY)  # kicked, may not come back for 24 h


@dataclass(frozen=True)
class VoteSettings:
    """Per-chat votekick settings. Invalid values raise ValueError."""

    threshold: int = 5  # votes needed on one side; never below 2
    ttl: int = 1800  # seconds a vote stays open
    min_messages: int = 3  # messages a person must have written to start or vote
    initiator_cooldown: int = 600  # seconds between two votes started by one person
    chat_pause: int = 300  # seconds without new votes after a successful kick
    outcome: Punishment = DEFAULT_OUTCOME

    def __post_init__(self):
        if self.threshold < 2:
            raise ValueError("threshold must be at least 2: one person must never decide alone")
        if self.ttl <= 0:
            raise ValueError("ttl must be positive")
        for name in ("min_messages", "initiator_cooldown", "chat_pause"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class Target:
    id: int
    kind: str = "user"  # "user" | "chat" (a channel identity, banned with banChatSenderChat)


@dataclass(frozen=True)
class Eligibility:
    """Facts about a would-be voter, gathered by the bot at the moment of the press.

    ``is_member``: getChatMember says they are in the chat now. ``member_since``: when we
    first knew them as a member (join time, or first message if the join predates us).
    """

    user_id: int
    is_member: bool
    member_since: float | None
    message_count: int


def eligibility_problem(e: Eligibility, *, before: float, min_messages: int) -> str | None:
    """None if eligible, else "not_member" | "too_new" | "too_few_messages"."""
    if not e.is_member:
        return "not_member"
    if e.member_since is None or e.member_since >= before:
        return "too_new"
    if e.message_count < min_messages:
        return "too_few_messages"
    return None


@dataclass
class Vote:
    id: int | None
    chat_id: int
    target: Target
    initiator_id: int
    reason: str
    target_message_id: int | None
    created_at: float
    expires_at: float
    threshold: int
    min_messages: int
    outcome: Punishment
    votes: dict[int, str] = field(default_factory=dict)
    status: str = OPEN
    poll_message_id: int | None = None
    settled_at: float | None = None
    settled_by: int | None = None  # admin id for cancelled/decided
    decision: str | None = None  # "kick" | "keep" for decided

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def counts(self) -> tuple[int, int]:
        """(kick, keep)."""
        kick = sum(1 for c in self.votes.values() if c == KICK)
        return kick, len(self.votes) - kick

    def punishment(self) -> Punishment:
        return self.outcome.for_target(self.target.kind)


# ---- results -----------------------------------------------------------------------

@dataclass(frozen=True)
class Started:
    vote: Vote
    superseded: "Closed | None" = None  # an expired vote on the same target closed on the way


@dataclass(frozen=True)
class Refused:
    """Starting was refused. reason: not_member | too_new | too_few_messages | protected |
    self | anonymous | not_a_person | already_open | cooldown | chat_paused."""

    reason: str
    retry_at: float | None = None  # for cooldown / chat_paused
    vote_id: int | None = None  # the already open vote for this target


@dataclass(frozen=True)
class VoteCast:
    vote: Vote
    voter_id: int
    choice: str


@dataclass(frozen=True)
class Moved:
    vote: Vote
    voter_id: int
    choice: str
    previous: str


@dataclass(frozen=True)
class AlreadyVoted:
    vote: Vote
    voter_id: int
    choice: str


@dataclass(frozen=True)
class NotEligible:
    vote: Vote
    voter_id: int
    reason: str  # not_member | too_new | too_few_messages | is_target


@dataclass(frozen=True)
class NotOpen:
    """The vote was already settled (by someone else's press, expiry or an admin)."""

    vote: Vote


@dataclass(frozen=True)
class NotFound:
    vote_id: int


@dataclass(frozen=True)
class Denied:
    """An admin-only operation by someone without the right."""

    decision: Decision


@dataclass(frozen=True)
class Closed:
    """This call settled the vote. ``punishment`` is what the bot must do now (or None).
    Exactly one call ever returns Closed for a given vote."""

    vote: Vote
    status: str
    punishment: Punishment | None = None

    @property
    def punish(self) -> bool:
        return self.punishment is not None


# ---- transitions -------------------------------------------------------------------

def start_refusal(
    settings: VoteSettings,
    *,
    initiator: Actor,
    initiator_facts: Eligibility,
    target: Actor,
    now: float,
    open_vote_id: int | None = None,
    last_started_at: float | None = None,
    last_success_at: float | None = None,
) -> Refused | None:
    """Why ``initiator`` may not start a vote against ``target`` now (None = may).

    The caller supplies the facts from storage: the open vote on this target, the
    initiator's last start in this chat, the chat's last successful kick.
    """
    allowed = check(initiator, Action.VOTEKICK_START)
    if not allowed:
        return Refused(allowed.reason_code)
    targetable = can_be_targeted(target, by_vote=True, by=initiator)
    if not targetable:
        return Refused(targetable.reason_code)
    problem = eligibility_problem(initiator_facts, before=now, min_messages=settings.min_messages)
    if problem:
        return Refused(problem)
    if open_vote_id is not None:
        return Refused("already_open", vote_id=open_vote_id)
    if last_success_at is not None and now < last_success_at + settings.chat_pause:
        return Refused("chat_paused", retry_at=last_success_at + settings.chat_pause)
    if last_started_at is not None and now < last_started_at + settings.initiator_cooldown:
        return Refused("cooldown", retry_at=last_started_at + settings.initiator_cooldown)
    return None


def new_vote(
    settings: VoteSettings,
    *,
    chat_id: int,
    initiator_id: int,
    target: Target,
    now: float,
    reason: str = "",
    target_message_id: int | None = None,
) -> Vote:
    """A fresh open vote; the initiator's ballot counts for "kick" from the start."""
    return Vote(
        id=None, chat_id=chat_id, target=target, initiator_id=initiator_id, reason=reason,
        target_message_id=target_message_id, created_at=now, expires_at=now + settings.ttl,
        threshold=settings.threshold, min_messages=settings.min_messages,
        outcome=settings.outcome, votes={initiator_id: KICK},
    )


def _settle(vote: Vote, status: str, now: float, by: int | None = None,
            punishment: Punishment | None = None) -> Closed:
    vote.status = status
    vote.settled_at = now
    vote.settled_by = by
    return Closed(replace(vote, votes=dict(vote.votes)), status, punishment)


def expire(vote: Vote, now: float) -> Closed | None:
    """Settle an open vote whose time ran out; None if it is still running or closed."""
    if vote.is_open and now >= vote.expires_at:
        return _settle(vote, EXPIRED, now)
    return None


def cast(vote: Vote, voter: Eligibility, choice: str, now: float):
    """Record a button press. Returns VoteCast | Moved | AlreadyVoted | NotEligible |
    NotOpen | Closed (this press settled the vote, or found it expired)."""
    if choice not in CHOICES:
        raise ValueError(f"choice must be one of {CHOICES}")
    if not vote.is_open:
        return NotOpen(vote)
    expired = expire(vote, now)
    if expired:
        return expired
    if vote.target.kind == "user" and voter.user_id == vote.target.id:
        return NotEligible(vote, voter.user_id, "is_target")
    problem = eligibility_problem(voter, before=vote.created_at, min_messages=vote.min_messages)
    if problem:
        return NotEligible(vote, voter.user_id, problem)
    previous = vote.votes.get(voter.user_id)
    if previous == choice:
        return AlreadyVoted(vote, voter.user_id, choice)
    vote.votes[voter.user_id] = choice
    kick, keep = vote.counts
    if kick >= vote.threshold:
        return _settle(vote, PASSED, now, punishment=vote.punishment())
    if keep >= vote.threshold:
        return _settle(vote, FAILED, now)
    if previous is None:
        return VoteCast(vote, voter.user_id, choice)
    return Moved(vote, voter.user_id, choice, previous)


def cancel(vote: Vote, by: Actor, now: float):
    """Admin cancels: Closed(CANCELLED) | Denied | NotOpen."""
    allowed = check(by, Action.VOTE_CANCEL)
    if not allowed:
        return Denied(allowed)
    if not vote.is_open:
        return NotOpen(vote)
    return _settle(vote, CANCELLED, now, by=by.id)


def decide(vote: Vote, by: Actor, kick: bool, now: float):
    """Admin decides: Closed(DECIDED, punishment if kick) | Denied | NotOpen."""
    allowed = check(by, Action.VOTE_DECIDE)
    if not allowed:
        return Denied(allowed)
    if not vote.is_open:
        return NotOpen(vote)
    vote.decision = KICK if kick else KEEP
    return _settle(vote, DECIDED, now, by=by.id, punishment=vote.punishment() if kick else None)
