"""Small helpers shared by the content handlers: rights checks, time formatting, threads."""
from __future__ import annotations

import asyncio
import html
import logging
import time
from datetime import datetime
from typing import Callable, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def link(url: str | None, label: str) -> str:
    """An HTML link with an escaped label, or the label alone when there is no url."""
    if not url:
        return esc(label)
    return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'


def when_text(ts: int | None, tz: str, has_time: bool = True) -> str:
    if ts is None:
        return "?"
    moment = datetime.fromtimestamp(ts, ZoneInfo(tz))
    return moment.strftime("%d.%m.%Y %H:%M %Z" if has_time else "%d.%m.%Y")


def now() -> float:
    return time.time()


async def in_thread(services: Services, fn: Callable[..., T]) -> T:
    """Run `fn(archive)` off the event loop with that thread's own archive connection."""
    searcher = services.searcher
    if hasattr(searcher, "archive") and callable(searcher.archive):
        return await asyncio.to_thread(lambda: fn(searcher.archive()))
    return fn(services.archive)


async def _member(bot: Bot, chat_id: int | None, user_id: int):
    if chat_id is None:
        return None
    try:
        return await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
        return None


async def can_post_to_channel(bot: Bot, services: Services, user_id: int) -> bool:
    """Right now: is the user the channel's creator or an admin allowed to post?"""
    member = await _member(bot, services.settings.channel_id, user_id)
    if member is None:
        return False
    return member.status == "creator" or (
        member.status == "administrator" and bool(getattr(member, "can_post_messages", False)))


async def is_chat_admin(bot: Bot, services: Services, user_id: int) -> bool:
    """Right now: is the user an admin (or the creator) of the community chat?"""
    member = await _member(bot, services.settings.chat_id, user_id)
    return member is not None and member.status in ("creator", "administrator")
