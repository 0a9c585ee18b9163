"""Who a command is about: the author of the replied message, an @username or a numeric id.

@usernames resolve through mod_known_users (everyone the bot has seen write or join);
Telegram offers bots no username lookup for members.
"""
from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import Message

from bot.members import is_present
from moderation import Actor, Target, identify

from .actors import TELEGRAM_SERVICE_ID, user_actor
from .context import ChatModeration
from .names import chat_html, user_link


class TargetError(Exception):
    """No usable target. ``code``: no_target | unknown_user (an @username) | unknown_id."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Resolved:
    actor: Actor  # the target classified (admin, member, channel, bot...)
    name: str  # safe HTML
    args: str  # the command's arguments left after the target
    message: Message | None = None  # the replied message, when targeted by reply
    member: object = None  # ChatMember of a user target, fresh
    present: bool = False  # a user target is in the chat now

    @property
    def target(self) -> Target:
        return Target(self.actor.id, self.actor.target_kind)


async def resolve(bot: Bot, moderation: ChatModeration, message: Message, args: str | None) -> Resolved:
    """The target of a command in ``message``; raises TargetError."""
    args = (args or "").strip()
    chat_id = message.chat.id
    replied = message.reply_to_message
    if replied is not None and not _is_topic_root(message):
        return await _from_message(bot, moderation, replied, args)
    token, _, rest = args.partition(" ")
    if token.startswith("@") and len(token) > 1:
        user_id = moderation.known.by_username(token)
        if user_id is None:
            raise TargetError("unknown_user", who=token)
        return await _user(bot, moderation, chat_id, user_id, rest.strip())
    if token.lstrip("-").isdigit():
        target_id = int(token)
        if target_id < 0:  # a channel identity, by its chat id
            return Resolved(channel_actor(moderation, target_id), str(target_id), rest.strip())
        return await _user(bot, moderation, chat_id, target_id, rest.strip(), strict=True)
    raise TargetError("no_target")


def channel_actor(moderation: ChatModeration, channel_id: int) -> Actor:
    """A channel writing in the chat; our own channel is protected like its automatic forwards."""
    if channel_id == moderation.settings.channel_id:
        return Actor.auto_forward(channel_id)
    return Actor.channel(channel_id)


def _is_topic_root(message: Message) -> bool:
    replied = message.reply_to_message
    return bool(message.is_topic_message and replied and replied.message_id == message.message_thread_id)


async def _from_message(bot: Bot, moderation: ChatModeration, replied: Message, args: str) -> Resolved:
    chat_id = replied.chat.id
    sender_chat = replied.sender_chat.id if replied.sender_chat else None
    from_id = replied.from_user.id if replied.from_user else None
    if (replied.is_automatic_forward or sender_chat is not None or from_id is None
            or from_id == TELEGRAM_SERVICE_ID):
        actor = identify(chat_id=chat_id, from_id=from_id, bot_id=bot.id, sender_chat_id=sender_chat,
                         is_automatic_forward=bool(replied.is_automatic_forward))
        if sender_chat not in (None, chat_id) and not replied.is_automatic_forward:
            actor = channel_actor(moderation, sender_chat)
        name = chat_html(replied.sender_chat) if replied.sender_chat else "Telegram"
        return Resolved(actor, name, args, message=replied)
    resolved = await _user(bot, moderation, chat_id, from_id, args)
    resolved.message = replied
    return resolved


async def _user(bot: Bot, moderation: ChatModeration, chat_id: int, user_id: int, args: str,
                strict: bool = False) -> Resolved:
    if user_id == bot.id:
        return Resolved(Actor.bot(bot.id), user_link(bot.id, (await bot.me()).full_name), args)
    actor, member = await user_actor(bot, moderation, chat_id, user_id)
    if member is None:
        if strict:  # Telegram does not know them in this chat: the bot has never seen them here
            raise TargetError("unknown_id", who=str(user_id))
        return Resolved(Actor.member(user_id), user_link(user_id, moderation.known.name(user_id)), args)
    return Resolved(actor, user_link(user_id, member.user.full_name), args, member=member,
                    present=is_present(member))
