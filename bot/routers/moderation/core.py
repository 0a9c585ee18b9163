"""What every moderation handler shares: the books, who is acting (fresh from Telegram),
carrying out punishments, and Telegram errors turned into short answers."""
from __future__ import annotations

import html
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatPermissions, Message, User
from sqlite_utils import Database, Migrations

from bot.services import Services
from bot.settings import Settings
from moderation import (
    Actor,
    AuditLog,
    FloodCounter,
    FloodRule,
    ModerationStore,
    Punishment,
    Target,
    VoteBook,
    VoteSettings,
    WarnBook,
    WarnPolicy,
    identify,
    parse_duration,
)
from moderation.durations import DAY
from moderation.permissions import ADMIN_RIGHTS
from moderation.store import immediate

log = logging.getLogger(__name__)

KIT = "moderation"  # key in services.extras and in the dispatcher's workflow data
ADMIN_STATUSES = ("creator", "administrator")

# The bot's own moderation tables (beside moderation's mod_* tables).
bot_moderation_migrations = Migrations("bot_moderation")


@bot_moderation_migrations()
def m001_known_users_and_vote_meta(db: Database) -> None:
    # Everyone the bot has seen in the chat: resolves "/ban @username".
    db["mod_known_users"].create(
        {"user_id": int, "username": str, "username_lc": str, "first_name": str,
         "last_name": str, "updated_at": float},
        pk="user_id",
    )
    db["mod_known_users"].create_index(["username_lc"])
    # How to re-render a vote message (language, names fixed when the vote started).
    db["mod_vote_meta"].create(
        {"vote_id": int, "lang": str, "target_name": str, "initiator_name": str, "link": str},
        pk="vote_id",
    )


def parse_punishment(text: str) -> Punishment:
    """ "kick 24h" / "mute 1d" / "ban" -> Punishment (validated by Settings already)."""
    kind, _, rest = text.strip().partition(" ")
    return Punishment(kind.lower(), parse_duration(rest).seconds if rest.strip() else None)


@dataclass
class Moderation:
    """The long-lived moderation objects of one dispatcher."""

    settings: Settings
    db: Database
    store: ModerationStore
    votes: VoteBook
    warns: WarnBook
    audit: AuditLog
    flood: FloodCounter
    albums: OrderedDict = field(default_factory=OrderedDict)  # media_group_id -> None, counted once
    sweeper: object = None  # the asyncio.Task closing expired votes

    @classmethod
    def create(cls, services: Services) -> "Moderation":
        s = services.settings
        db = services.db
        bot_moderation_migrations.apply(db)
        vote_settings = VoteSettings(
            threshold=s.votekick_threshold, ttl=s.votekick_ttl, min_messages=s.votekick_min_messages,
            initiator_cooldown=s.votekick_cooldown, chat_pause=s.votekick_pause,
            outcome=parse_punishment(s.votekick_outcome))
        policy = WarnPolicy(limit=s.warn_limit, action=parse_punishment(s.warn_action),
                            expire_after=s.warn_expiry_days * DAY or None)
        rule = FloodRule(max_messages=s.flood_messages, window=s.flood_window, mute_seconds=s.flood_mute)
        return cls(settings=s, db=db, store=ModerationStore(db), votes=VoteBook(db, vote_settings),
                   warns=WarnBook(db, policy), audit=AuditLog(db), flood=FloodCounter(rule))

    @property
    def chat_id(self) -> int | None:
        return self.settings.chat_id

    def in_community(self, chat_id: int) -> bool:
        return self.chat_id is not None and chat_id == self.chat_id

    # -- known users ---------------------------------------------------------------------

    def remember(self, user: User | None) -> None:
        if user is None or user.is_bot:
            return
        username_lc = (user.username or "").lower() or None
        with immediate(self.db):
            if username_lc:  # a username belongs to one account at a time
                self.db.execute("UPDATE mod_known_users SET username = NULL, username_lc = NULL"
                                " WHERE username_lc = ? AND user_id != ?", [username_lc, user.id])
            self.db.execute(
                "INSERT INTO mod_known_users (user_id, username, username_lc, first_name, last_name,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " username = excluded.username, username_lc = excluded.username_lc,"
                " first_name = excluded.first_name, last_name = excluded.last_name,"
                " updated_at = excluded.updated_at",
                [user.id, user.username, username_lc, user.first_name, user.last_name, time.time()])

    def user_by_username(self, username: str) -> int | None:
        row = self.db.execute("SELECT user_id FROM mod_known_users WHERE username_lc = ?"
                              " ORDER BY updated_at DESC LIMIT 1", [username.lstrip("@").lower()]).fetchone()
        return row[0] if row else None

    def known_name(self, user_id: int) -> str | None:
        row = self.db.execute("SELECT first_name, last_name FROM mod_known_users WHERE user_id = ?",
                              [user_id]).fetchone()
        return " ".join(p for p in row if p) if row else None


def kit_of(services: Services) -> Moderation:
    return services.extras[KIT]


def now() -> float:
    return time.time()


# -- who is acting ---------------------------------------------------------------------------

def rights_of(member) -> frozenset[str]:
    """Names of the True can_* flags of a ChatMember."""
    return frozenset(k for k, v in member if k.startswith("can_") and v is True)


def is_present(member) -> bool:
    """In the chat now (a restricted member counts while is_member)."""
    status = getattr(member, "status", None)
    if status in ("creator", "administrator", "member"):
        return True
    return status == "restricted" and bool(getattr(member, "is_member", False))


async def fresh_member(bot: Bot, kit: Moderation, chat_id: int, user_id: int):
    """getChatMember now; keeps the admin cache in step. None if Telegram refuses."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
        return None
    if kit.in_community(chat_id) and user_id != bot.id:
        if member.status in ADMIN_STATUSES:
            kit.store.upsert_admin(chat_id, user_id, member.status, rights_of(member), now())
        elif kit.store.admin(chat_id, user_id) is not None:
            kit.store.remove_admin(chat_id, user_id)
    return member


def actor_from_member(chat_id: int, user_id: int, member, bot_id: int) -> Actor:
    status = getattr(member, "status", None)
    return identify(chat_id=chat_id, from_id=user_id, bot_id=bot_id,
                    admin_status=status if status in ADMIN_STATUSES else None,
                    rights=rights_of(member) if member is not None else ())


async def user_actor(bot: Bot, kit: Moderation, chat_id: int, user_id: int) -> tuple[Actor, object]:
    """A person, classified by their status at this moment (fresh getChatMember)."""
    if user_id == bot.id:
        return Actor.bot(bot.id), None
    member = await fresh_member(bot, kit, chat_id, user_id)
    return actor_from_member(chat_id, user_id, member, bot.id), member


async def anonymous_rights(bot: Bot, chat_id: int) -> frozenset[str]:
    """What an anonymous admin may do: only the rights every anonymous admin has, fresh.

    Telegram does not say which admin wrote anonymously, so one with fewer rights must
    not borrow the others'."""
    try:
        admins = await bot.get_chat_administrators(chat_id)
    except TelegramAPIError as exc:
        log.warning("cannot list the admins of %s: %s", chat_id, exc)
        return frozenset()
    hidden = [a for a in admins if getattr(a, "is_anonymous", False)]
    rights = [ADMIN_RIGHTS if a.status == "creator" else rights_of(a) for a in hidden]
    return frozenset.intersection(*rights) if rights else frozenset()


async def message_actor(bot: Bot, kit: Moderation, message: Message) -> tuple[Actor, object]:
    """Who wrote ``message``: a person (checked fresh), an anonymous admin, a channel..."""
    sender_chat = message.sender_chat.id if message.sender_chat else None
    from_id = message.from_user.id if message.from_user else None
    if message.is_automatic_forward or sender_chat is not None or from_id is None:
        anonymous = sender_chat == message.chat.id
        actor = identify(chat_id=message.chat.id, from_id=from_id, bot_id=bot.id,
                         sender_chat_id=sender_chat, is_automatic_forward=bool(message.is_automatic_forward),
                         anonymous_rights=await anonymous_rights(bot, message.chat.id) if anonymous else ())
        return actor, None
    if from_id == 777000:
        return identify(chat_id=message.chat.id, from_id=from_id, bot_id=bot.id), None
    return await user_actor(bot, kit, message.chat.id, from_id)


# -- doing it ----------------------------------------------------------------------------------

MUTED = ChatPermissions(**{k: False for k in ChatPermissions.model_fields})
UNMUTED = ChatPermissions(**{k: True for k in ChatPermissions.model_fields})


async def apply_punishment(bot: Bot, chat_id: int, target: Target, punishment: Punishment,
                           at: float) -> Punishment:
    """Carry out ``punishment``; returns what was actually done (channels are only banned).
    Raises TelegramAPIError."""
    p = punishment.for_target(target.kind)
    if target.kind == "chat":
        await bot.ban_chat_sender_chat(chat_id, target.id)
        return p
    until = p.duration.telegram_until(at).until_date or None
    if p.kind == "mute":
        await bot.restrict_chat_member(chat_id, target.id, MUTED, until_date=until)
    elif p.kind == "ban" or p.seconds is not None:
        await bot.ban_chat_member(chat_id, target.id, until_date=until)
    else:  # a plain kick: out now, may come back at once
        await bot.ban_chat_member(chat_id, target.id)
        await bot.unban_chat_member(chat_id, target.id, only_if_banned=True)
    return p


async def lift(bot: Bot, chat_id: int, target_id: int, target_kind: str, action: str) -> None:
    """Reverse a ban ("unban") or a mute ("unmute"). Raises TelegramAPIError."""
    if target_kind == "chat":
        await bot.unban_chat_sender_chat(chat_id, target_id)
    elif action == "unban":
        await bot.unban_chat_member(chat_id, target_id, only_if_banned=True)
    else:  # the Bot API's way to lift restrictions: pass True for all permissions
        await bot.restrict_chat_member(chat_id, target_id, UNMUTED)


def api_problem(exc: TelegramAPIError, t) -> str:
    """A Telegram refusal as one short sentence for the admin."""
    text = (exc.message or "").lower()
    if "not enough rights" in text or "admin_required" in text or "need administrator" in text \
            or "right_forbidden" in text:
        return t("mod_err_bot_rights")
    if "administrator" in text or "owner" in text or "can't restrict self" in text:
        return t("mod_err_target_admin")
    if "user not found" in text or "participant_id_invalid" in text or "user_id_invalid" in text:
        return t("mod_err_unknown_user")
    if "message to delete not found" in text or "can't be deleted" in text:
        return t("mod_err_cannot_delete")
    return t("mod_err_api", error=html.escape(exc.message or str(exc), quote=False))


async def reply(message: Message, text: str) -> None:
    """Answer in the chat; never fail a handler because the answer could not be sent."""
    try:
        await message.reply(text, allow_sending_without_reply=True)
    except TelegramAPIError as exc:
        log.warning("could not reply in %s: %s", message.chat.id, exc)
