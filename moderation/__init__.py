"""Moderation policy for Keeper: plain values in, plain decisions out (no aiogram)."""

from .audit import AuditLog, AuditRecord, ReverseAction, UndoResult, undo_action
from .durations import Duration, DurationError, LeadingTerm, TelegramUntil, parse_duration, split_term, split_units
from .flood import FloodCounter, FloodRule, FloodVerdict
from .permissions import (
    Action,
    Actor,
    ActorKind,
    Decision,
    can_be_targeted,
    check,
    identify,
)
from .known_users import KnownUsers
from .store import AdminEntry, ModerationStore, migrate, migrations, names_migrations
from .vote_labels import VoteLabel, VoteLabels
from .votebook import VoteBook
from .votes import (
    AlreadyVoted,
    Closed,
    Denied,
    Eligibility,
    Moved,
    NotEligible,
    NotFound,
    NotOpen,
    Punishment,
    Refused,
    Started,
    Target,
    Vote,
    VoteCast,
    VoteSettings,
)
from .warns import Warn, WarnBook, WarnPolicy, WarnResult

__all__ = [
    "Action", "Actor", "ActorKind", "AdminEntry", "AlreadyVoted", "AuditLog", "AuditRecord",
    "Closed", "Decision", "Denied", "Duration", "DurationError", "Eligibility", "FloodCounter",
    "FloodRule", "FloodVerdict", "KnownUsers", "LeadingTerm", "ModerationStore", "Moved", "NotEligible",
    "NotFound", "NotOpen", "Punishment", "Refused", "ReverseAction", "Started", "Target",
    "TelegramUntil", "UndoResult", "Vote", "VoteBook", "VoteCast", "VoteLabel", "VoteLabels",
    "VoteSettings", "Warn", "WarnBook", "WarnPolicy", "WarnResult", "can_be_targeted", "check",
    "identify", "migrate", "migrations", "names_migrations", "parse_duration",
    "split_term", "split_units", "undo_action",
]
