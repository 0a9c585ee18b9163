"""ChatModeration: the long-lived moderation objects of one dispatcher. build_dispatcher
passes it to the dispatcher as `moderation`; handlers declare `moderation: ChatModeration`."""
from __future__ import annotations

from dataclasses import dataclass, field

from aiogram.types import User
from sqlite_utils import Database

from bot.clock import Clock
from bot.members import ADMIN_STATUSES, rights_of
from bot.settings import Settings
from moderation import (
    AuditLog,
    FloodCounter,
    FloodRule,
    KnownUsers,
    ModerationStore,
    Punishment,
    VoteBook,
    VoteLabels,
    VoteSettings,
    WarnBook,
    WarnPolicy,
    parse_duration,
)
from moderation.durations import DAY

from .albums import Albums


def parse_punishment(text: str) -> Punishment:
    """ "kick 24h" / "mute 1d" / "ban" -> Punishment (validated by Settings already)."""
    kind, _, rest = text.strip().partition(" ")
    return Punishment(kind.lower(), parse_duration(rest).seconds if rest.strip() else None)


@dataclass
class ChatModeration:
    """The community chat's moderation: its books (votes, warns, audit), member activity and
    the admin cache, who is who, the flood counter; with the settings and the clock."""

    settings: Settings
    clock: Clock
    store: ModerationStore
    votes: VoteBook
    warns: WarnBook
    audit: AuditLog
    flood: FloodCounter
    known: KnownUsers
    labels: VoteLabels
    albums: Albums = field(default_factory=Albums)  # counted once, removed whole
    sweeper: object = None  # the asyncio.Task closing expired votes
    undo_hooks: list = field(default_factory=list)  # async (AuditRecord) -> None, run after an Undo

    @classmethod
    def create(cls, settings: Settings, db: Database, clock: Clock) -> "ChatModeration":
        s = settings
        vote_settings = VoteSettings(
            threshold=s.votekick_threshold, ttl=s.votekick_ttl, min_messages=s.votekick_min_messages,
            initiator_cooldown=s.votekick_cooldown, chat_pause=s.votekick_pause,
            outcome=parse_punishment(s.votekick_outcome))
        policy = WarnPolicy(limit=s.warn_limit, action=parse_punishment(s.warn_action),
                            expire_after=s.warn_expiry_days * DAY or None)
        rule = FloodRule(max_messages=s.flood_messages, window=s.flood_window, mute_seconds=s.flood_mute)
        return cls(settings=s, clock=clock, store=ModerationStore(db), votes=VoteBook(db, vote_settings),
                   warns=WarnBook(db, policy), audit=AuditLog(db), flood=FloodCounter(rule),
                   known=KnownUsers(db), labels=VoteLabels(db))

    @property
    def chat_id(self) -> int | None:
        return self.settings.chat_id

    def in_community(self, chat_id: int) -> bool:
        return self.chat_id is not None and chat_id == self.chat_id

    def foreign_channel(self, message) -> bool:
        """Written as a channel other than the chat itself (anonymous admins) and our own."""
        chat = message.sender_chat
        return (chat is not None and not message.is_automatic_forward
                and chat.id not in (message.chat.id, self.settings.channel_id))

    def custom_rules(self) -> str | None:
        """The rules set with /setrules, if any."""
        return self.store.rules(self.chat_id) if self.chat_id is not None else None

    def remember(self, user: User | None) -> None:
        """Note who a person is (for "/ban @username" and names in messages)."""
        if user is not None and not user.is_bot:
            self.known.remember(user.id, user.username, user.first_name, user.last_name, self.clock.now())

    def note_status(self, chat_id: int, user_id: int, member) -> None:
        """Keep the admin cache in step with a ChatMember just seen in the community chat."""
        if not self.in_community(chat_id):
            return
        if member.status in ADMIN_STATUSES:
            self.store.upsert_admin(chat_id, user_id, member.status, rights_of(member), self.clock.now())
        elif self.store.admin(chat_id, user_id) is not None:
            self.store.remove_admin(chat_id, user_id)
