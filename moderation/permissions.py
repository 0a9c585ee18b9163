"""Who may do what: actor kinds, action -> required right, and target protection.

The chat is "the owner's dictatorship plus votekick": admin commands need the matching
Telegram admin right, votekick is for identifiable members, and some identities (admins,
the bot, the linked channel's automatic forwards, Telegram itself) can never be targeted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

TELEGRAM_SERVICE_ID = 777000
GROUP_ANONYMOUS_BOT_ID = 1087968824

CAN_RESTRICT = "can_restrict_members"
CAN_DELETE = "can_delete_messages"
CAN_PROMOTE = "can_promote_members"
CAN_CHANGE_INFO = "can_change_info"
CAN_POST = "can_post_messages"
ADMIN_RIGHTS: frozenset[str] = frozenset({CAN_RESTRICT, CAN_DELETE, CAN_PROMOTE, CAN_CHANGE_INFO, CAN_POST})


class ActorKind(str, Enum):
    MEMBER = "member"
    ADMIN = "admin"
    CREATOR = "creator"
    ANONYMOUS_ADMIN = "anonymous_admin"  # sender_chat == chat
    BOT = "bot"  # this bot itself
    CHANNEL = "channel"  # a member writing as one of their channels (sender_chat != chat)
    AUTO_FORWARD = "auto_forward"  # post of the linked channel (is_automatic_forward)
    SERVICE = "service"  # Telegram, user 777000


@dataclass(frozen=True)
class Actor:
    """Someone acting in (or targeted in) a chat. ``id`` is a user id, or a chat id for
    ANONYMOUS_ADMIN / CHANNEL / AUTO_FORWARD. ``rights`` matter for admins only."""

    kind: ActorKind
    id: int
    rights: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def member(cls, user_id: int) -> "Actor":
        return cls(ActorKind.MEMBER, user_id)

    @classmethod
    def admin(cls, user_id: int, rights: Iterable[str] = ()) -> "Actor":
        return cls(ActorKind.ADMIN, user_id, frozenset(rights))

    @classmethod
    def creator(cls, user_id: int) -> "Actor":
        return cls(ActorKind.CREATOR, user_id, ADMIN_RIGHTS)

    @classmethod
    def anonymous_admin(cls, chat_id: int, rights: Iterable[str] = ADMIN_RIGHTS) -> "Actor":
        """The group's anonymous admin; ``rights`` are configurable (default: all)."""
        return cls(ActorKind.ANONYMOUS_ADMIN, chat_id, frozenset(rights))

    @classmethod
    def bot(cls, bot_id: int) -> "Actor":
        return cls(ActorKind.BOT, bot_id)

    @classmethod
    def channel(cls, sender_chat_id: int) -> "Actor":
        return cls(ActorKind.CHANNEL, sender_chat_id)

    @classmethod
    def auto_forward(cls, channel_id: int) -> "Actor":
        return cls(ActorKind.AUTO_FORWARD, channel_id)

    @classmethod
    def service(cls) -> "Actor":
        return cls(ActorKind.SERVICE, TELEGRAM_SERVICE_ID)

    @property
    def target_kind(self) -> str:
        """"chat" for identities punished with banChatSenderChat, else "user"."""
        return "chat" if self.kind in (ActorKind.CHANNEL, ActorKind.ANONYMOUS_ADMIN, ActorKind.AUTO_FORWARD) else "user"

    @property
    def is_admin_like(self) -> bool:
        return self.kind in (ActorKind.ADMIN, ActorKind.CREATOR, ActorKind.ANONYMOUS_ADMIN)


def identify(
    *,
    chat_id: int,
    from_id: int | None,
    bot_id: int,
    sender_chat_id: int | None = None,
    is_automatic_forward: bool = False,
    admin_status: str | None = None,
    rights: Iterable[str] = (),
    anonymous_rights: Iterable[str] = ADMIN_RIGHTS,
) -> Actor:
    """Classify the sender of a message from its plain fields.

    ``admin_status`` is the cached chat-member status ("creator" / "administrator" / None)
    and ``rights`` the names of the True ``can_*`` flags of that administrator.
    """
    if is_automatic_forward:
        return Actor.auto_forward(sender_chat_id if sender_chat_id is not None else chat_id)
    if sender_chat_id is not None and sender_chat_id == chat_id:
        return Actor.anonymous_admin(chat_id, anonymous_rights)
    if sender_chat_id is not None:
        return Actor.channel(sender_chat_id)
    if from_id == TELEGRAM_SERVICE_ID:
        return Actor.service()
    if from_id is None:
        raise ValueError("a message without from_id and sender_chat_id cannot be classified")
    if from_id == bot_id:
        return Actor.bot(bot_id)
    if admin_status == "creator":
        return Actor.creator(from_id)
    if admin_status == "administrator":
        return Actor.admin(from_id, rights)
    return Actor.member(from_id)


class Action(str, Enum):
    BAN = "ban"
    UNBAN = "unban"
    KICK = "kick"
    MUTE = "mute"
    UNMUTE = "unmute"
    WARN = "warn"
    UNWARN = "unwarn"
    WARNS = "warns"  # view someone's active warns
    DEL = "del"
    SETRULES = "setrules"
    REPORT = "report"
    VOTEKICK_START = "votekick_start"
    VOTE = "vote"
    VOTE_CANCEL = "vote_cancel"
    VOTE_DECIDE = "vote_decide"
    UNDO = "undo"


# Required admin right per admin action. Actions missing here are member actions.
REQUIRED_RIGHT: dict[Action, str] = {
    Action.BAN: CAN_RESTRICT,
    Action.UNBAN: CAN_RESTRICT,
    Action.KICK: CAN_RESTRICT,
    Action.MUTE: CAN_RESTRICT,
    Action.UNMUTE: CAN_RESTRICT,
    Action.WARN: CAN_RESTRICT,  # warns end in a mute, so they need the same right
    Action.UNWARN: CAN_RESTRICT,
    Action.DEL: CAN_DELETE,
    Action.SETRULES: CAN_CHANGE_INFO,
    Action.VOTE_CANCEL: CAN_RESTRICT,
    Action.VOTE_DECIDE: CAN_RESTRICT,
    Action.UNDO: CAN_RESTRICT,
}
# Member actions: anyone identifiable as a person may do them.
MEMBER_ACTIONS: frozenset[Action] = frozenset({Action.WARNS, Action.REPORT, Action.VOTEKICK_START, Action.VOTE})
# Votekick is per person: an anonymous admin has no attributable identity, and admins
# have /ban anyway, so the anonymous admin may not start or vote.
_PERSONAL_ACTIONS = frozenset({Action.VOTEKICK_START, Action.VOTE})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason_code: str  # see the REASON_* constants
    right: str | None = None  # the admin right involved, if any

    def __bool__(self) -> bool:
        return self.allowed


OK = "ok"
REASON_CREATOR = "creator"
REASON_ADMIN_ONLY = "admin_only"  # a member tried an admin action
REASON_MISSING_RIGHT = "missing_right"  # an admin without the needed right
REASON_NOT_A_PERSON = "not_a_person"  # bot, service, automatic forward, channel identity
REASON_ANONYMOUS = "anonymous"  # anonymous admin on a per-person action
REASON_PROTECTED = "protected"  # target cannot be punished
REASON_SELF = "self"  # votekick against oneself


def check(actor: Actor, action: Action | str) -> Decision:
    """May ``actor`` perform ``action``? Returns a Decision with a stable reason code."""
    action = Action(action)
    kind = actor.kind
    right = REQUIRED_RIGHT.get(action)
    if kind in (ActorKind.BOT, ActorKind.SERVICE, ActorKind.AUTO_FORWARD, ActorKind.CHANNEL):
        return Decision(False, REASON_NOT_A_PERSON, right)
    if kind is ActorKind.CREATOR:
        return Decision(True, REASON_CREATOR, right)
    if action in MEMBER_ACTIONS:
        if kind is ActorKind.ANONYMOUS_ADMIN and action in _PERSONAL_ACTIONS:
            return Decision(False, REASON_ANONYMOUS)
        return Decision(True, OK)
    if kind is ActorKind.MEMBER:
        return Decision(False, REASON_ADMIN_ONLY, right)
    # ADMIN or ANONYMOUS_ADMIN
    if right in actor.rights:
        return Decision(True, OK, right)
    return Decision(False, REASON_MISSING_RIGHT, right)


_UNTOUCHABLE = frozenset({
    ActorKind.ADMIN, ActorKind.CREATOR, ActorKind.ANONYMOUS_ADMIN,
    ActorKind.BOT, ActorKind.AUTO_FORWARD, ActorKind.SERVICE,
})


def can_be_targeted(target: Actor, by_vote: bool, by: Actor | None = None) -> Decision:
    """May ``target`` be punished? Admins, the creator, anonymous admins, the bot,
    automatic forwards and Telegram never; nobody may votekick themselves."""
    if target.kind in _UNTOUCHABLE:
        return Decision(False, REASON_PROTECTED)
    if by_vote and by is not None and by.kind == target.kind and by.id == target.id:
        return Decision(False, REASON_SELF)
    return Decision(True, OK)
