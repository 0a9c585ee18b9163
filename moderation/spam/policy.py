"""Who is checked and what a score leads to: the newcomer window and the two thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from moderation.permissions import Actor, ActorKind

DAY = 86_400.0


@dataclass(frozen=True)
class SpamSettings:
    """A member is new until they have written ``newcomer_messages`` messages and been
    in the chat ``newcomer_days`` days. Scores at or above ``high`` are removed and the
    sender restricted; from ``low`` up the admins are asked; below, nothing happens."""

    newcomer_messages: int = 3
    newcomer_days: float = 7.0
    high: float = 0.8
    low: float = 0.5

    def __post_init__(self):
        if not 0.0 < self.low <= self.high < 1.0:
            raise ValueError("thresholds must satisfy 0 < low <= high < 1")
        if self.newcomer_messages < 0 or self.newcomer_days < 0:
            raise ValueError("the newcomer window cannot be negative")


class SpamAction(str, Enum):
    NONE = "none"
    ASK_ADMINS = "ask_admins"  # keep the message, post it to the log chat with buttons
    DELETE_AND_RESTRICT = "delete_and_restrict"


# Never checked: admins (incl. anonymous), this bot, Telegram, and the linked channel's posts.
_EXEMPT = frozenset({ActorKind.ADMIN, ActorKind.CREATOR, ActorKind.ANONYMOUS_ADMIN, ActorKind.BOT,
                     ActorKind.SERVICE, ActorKind.AUTO_FORWARD})


def is_newcomer(messages_before: int, joined_at: float | None, now: float,
                settings: SpamSettings | None = None) -> bool:
    """True while the sender is inside the newcomer window.

    ``messages_before`` counts their earlier messages in the chat (not this one).
    ``joined_at`` is when we saw them join; None means they were here before we watched,
    so only the message count keeps them new.
    """
    settings = settings or SpamSettings()
    if messages_before < settings.newcomer_messages:
        return True
    return joined_at is not None and now - joined_at < settings.newcomer_days * DAY


def should_check(actor: Actor, messages_before: int, joined_at: float | None, now: float,
                 settings: SpamSettings | None = None, *, linked_channel_id: int | None = None) -> bool:
    """Whether this sender's message goes through the spam check at all."""
    if actor.kind in _EXEMPT:
        return False
    if actor.kind is ActorKind.CHANNEL and actor.id == linked_channel_id:
        return False
    return is_newcomer(messages_before, joined_at, now, settings)


def decide(score: float, settings: SpamSettings | None = None) -> SpamAction:
    settings = settings or SpamSettings()
    if score >= settings.high:
        return SpamAction.DELETE_AND_RESTRICT
    if score >= settings.low:
        return SpamAction.ASK_ADMINS
    return SpamAction.NONE
