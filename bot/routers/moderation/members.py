"""Membership and activity: the admin cache from chat_member updates (and getChatAdministrators
at startup), joins, and counting messages (activity + flood) in an outer middleware."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberUpdated, Message

from bot.members import is_present, rights_of

from . import flood
from .actors import TELEGRAM_SERVICE_ID
from .context import ChatModeration

log = logging.getLogger(__name__)
NOT_COUNTED = ("new_chat_members", "left_chat_member", "pinned_message", "new_chat_title",
               "new_chat_photo", "delete_chat_photo", "group_chat_created", "migrate_from_chat_id",
               "video_chat_started", "video_chat_ended", "forum_topic_created")


async def refresh_admins(bot: Bot, moderation: ChatModeration) -> None:
    """Replace the cached admin list with Telegram's (at startup)."""
    chat_id = moderation.chat_id
    if chat_id is None:
        return
    try:
        admins = await bot.get_chat_administrators(chat_id)
    except TelegramAPIError as exc:
        log.warning("cannot list the admins of %s: %s", chat_id, exc)
        return
    moderation.store.set_admins(chat_id, [(a.user.id, a.status, rights_of(a)) for a in admins
                                          if not a.user.is_bot], moderation.clock.now())
    for a in admins:
        moderation.remember(a.user)


async def on_chat_member(event: ChatMemberUpdated, moderation: ChatModeration) -> None:
    if not moderation.in_community(event.chat.id):
        return
    new, old = event.new_chat_member, event.old_chat_member
    user = new.user
    moderation.remember(user)
    moderation.note_status(event.chat.id, user.id, new)
    if is_present(new) and not is_present(old):
        moderation.store.note_join(event.chat.id, user.id, max(moderation.clock.now(), event.date.timestamp()))
    if not is_present(new):
        moderation.flood.forget(event.chat.id, user.id)


class ActivityCounter(BaseMiddleware):
    """Outer middleware on messages: counts each member message in the community chat
    (an album once) and applies the flood rule. Never stops the message from reaching
    the handlers, so commands still work."""

    def __init__(self, moderation: ChatModeration):
        self.moderation = moderation

    async def __call__(self, handler: Callable[[Message, dict], Awaitable[Any]], event: Message,
                       data: dict[str, Any]) -> Any:
        if self.moderation.in_community(event.chat.id):
            try:
                await self.count(event, data)
            except Exception:  # noqa: BLE001 - counting must never cost a command
                log.exception("counting message %s failed", event.message_id)
        return await handler(event, data)

    def note(self, message: Message, sender_id: int, now: float) -> None:
        """Count the message for the newcomer window (an album once)."""
        moderation, album = self.moderation, message.media_group_id
        if album is None or moderation.albums.count_once(message.chat.id, album, now):
            moderation.store.note_message(message.chat.id, sender_id, now)

    async def count(self, message: Message, data: dict[str, Any]) -> None:
        moderation = self.moderation
        now = moderation.clock.now()
        user = message.from_user
        if moderation.foreign_channel(message):  # a member writing as their channel floods too
            self.note(message, message.sender_chat.id, now)  # and has a newcomer window of its own
            verdict = moderation.flood.hit(message.chat.id, message.sender_chat.id, now,
                                           media_group_id=message.media_group_id)
            if verdict.flooding:
                await flood.mute_flooder(data["bot"], moderation, message, verdict.mute_seconds, data.get("t"))
            return
        if (message.is_automatic_forward or message.sender_chat is not None or user is None
                or user.is_bot or user.id == TELEGRAM_SERVICE_ID
                or any(getattr(message, f, None) for f in NOT_COUNTED)):
            return
        moderation.remember(user)
        self.note(message, user.id, now)
        album = message.media_group_id
        exempt = moderation.store.admin(message.chat.id, user.id) is not None
        verdict = moderation.flood.hit(message.chat.id, user.id, now, media_group_id=album, exempt=exempt)
        if verdict.flooding:
            await flood.mute_flooder(data["bot"], moderation, message, verdict.mute_seconds, data.get("t"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.chat_member.register(on_chat_member)
    return router
