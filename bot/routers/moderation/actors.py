"""Who is acting: a person (their status fetched fresh from Telegram), an anonymous admin,
a channel... classified by moderation.identify."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.members import ADMIN_STATUSES, fetch_member, rights_of
from moderation import Actor, identify
from moderation.permissions import ADMIN_RIGHTS

from .context import ChatModeration

log = logging.getLogger(__name__)
TELEGRAM_SERVICE_ID = 777000


def actor_from_member(chat_id: int, user_id: int, member, bot_id: int) -> Actor:
    status = getattr(member, "status", None)
    return identify(chat_id=chat_id, from_id=user_id, bot_id=bot_id,
                    admin_status=status if status in ADMIN_STATUSES else None,
                    rights=rights_of(member) if member is not None else ())


async def user_actor(bot: Bot, moderation: ChatModeration, chat_id: int, user_id: int) -> tuple[Actor, object]:
    """A person, classified by their status at this moment (fresh getChatMember)."""
    if user_id == bot.id:
        return Actor.bot(bot.id), None
    member = await fetch_member(bot, chat_id, user_id)
    if member is not None:
        moderation.note_status(chat_id, user_id, member)
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


async def message_actor(bot: Bot, moderation: ChatModeration, message: Message) -> tuple[Actor, object]:
    """Who wrote ``message``: a person (checked fresh), an anonymous admin, a channel..."""
    sender_chat = message.sender_chat.id if message.sender_chat else None
    from_id = message.from_user.id if message.from_user else None
    if message.is_automatic_forward or sender_chat is not None or from_id is None:
        anonymous = sender_chat == message.chat.id
        actor = identify(chat_id=message.chat.id, from_id=from_id, bot_id=bot.id,
                         sender_chat_id=sender_chat, is_automatic_forward=bool(message.is_automatic_forward),
                         anonymous_rights=await anonymous_rights(bot, message.chat.id) if anonymous else ())
        return actor, None
    if from_id == TELEGRAM_SERVICE_ID:
        return identify(chat_id=message.chat.id, from_id=from_id, bot_id=bot.id), None
    return await user_actor(bot, moderation, message.chat.id, from_id)
