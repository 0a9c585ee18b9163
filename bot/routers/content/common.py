"""Small helpers shared by the content handlers: rights checks, times and links, threads."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable, TypeVar

from aiogram import Bot
from aiogram.types import Message

from archive.dates import WhenError
from archive.store import post_url
from bot.members import fetch_member
from bot.render_archive import moment_text
from bot.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
WHEN_EXAMPLES = "<code>2025-08-20 19:00</code>, <code>завтра 10:00</code>, <code>15.08 в 18:00</code>, " \
                "<code>next Friday 18:00 CET</code>, <code>через 2 часа</code>"


def when_text(ts: int | None, tz: str, t, has_time: bool = True) -> str:
    """ "20.12.2026 19:00 МСК" in the reader's language ("?" when unknown)."""
    return "?" if ts is None else moment_text(ts, tz, t, has_time=has_time)


def when_problem(exc: WhenError, t) -> str:
    """Why a typed time cannot be used, with examples of times that can."""
    return t(f"when_{exc.code}", examples=WHEN_EXAMPLES)


def channel_url(services: Services, message: Message) -> str:
    """The t.me link of a message the bot sent to the channel."""
    return post_url(message.chat.id, message.message_id, services.settings.channel_username)


async def in_thread(services: Services, fn: Callable[..., T]) -> T:
    """Run `fn(archive)` off the event loop (the archive gives the worker thread its own connection)."""
    return await asyncio.to_thread(fn, services.archive)


async def can_post_to_channel(bot: Bot, services: Services, user_id: int) -> bool:
    """Right now: is the user the channel's creator or an admin allowed to post?"""
    member = await fetch_member(bot, services.settings.channel_id, user_id)
    if member is None:
        return False
    return member.status == "creator" or (
        member.status == "administrator" and bool(getattr(member, "can_post_messages", False)))


async def is_chat_admin(bot: Bot, services: Services, user_id: int) -> bool:
    """Right now: is the user an admin (or the creator) of the community chat?"""
    member = await fetch_member(bot, services.settings.chat_id, user_id)
    return member is not None and member.status in ("creator", "administrator")
