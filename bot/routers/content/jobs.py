"""The scheduled jobs: module-level coroutines taking ids only (they are pickled by reference).

They reach the bot and the services through `RUNTIME`, set on dispatcher startup and
cleared on shutdown. Each job is idempotent: it claims its key in a content table before
sending (claim first: a crash right after a send can never cause a repeat), re-reads the
current state (a cancelled event, a moved start, a withdrawn post are skipped), and a
second run for the same key does nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot

from bot.services import Services

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    bot: Bot
    services: Services


RUNTIME: Runtime | None = None


def set_runtime(bot: Bot, services: Services) -> None:
    global RUNTIME
    RUNTIME = Runtime(bot, services)


def clear_runtime(services: Services) -> None:
    global RUNTIME
    if RUNTIME is not None and RUNTIME.services is services:
        RUNTIME = None


def runtime() -> Runtime:
    if RUNTIME is None:
        raise RuntimeError("the content jobs ran before the bot started (no runtime registered)")
    return RUNTIME


async def send_reminder(event_id: int, offset: int, starts_at: int) -> str:
    """Remind the chat of an event `offset` seconds before `starts_at`; returns what happened."""
    from bot.routers.content import store
    from bot.routers.content.common import now
    from bot.routers.content.events import chat_translator, reminder_text

    rt = runtime()
    db, settings = rt.services.db, rt.services.settings
    row = store.get_event(db, event_id)
    if row is None or row["status"] != "active" or row["starts_at"] != starts_at:
        return "stale"
    at = now()
    if at >= starts_at:
        return "late"
    if settings.chat_id is None:
        return "no chat"
    if not store.claim_reminder(db, event_id, offset, starts_at):
        return "already sent"
    try:
        message = await rt.bot.send_message(settings.chat_id, reminder_text(row, at, chat_translator()),
                                            disable_web_page_preview=True)
    except Exception:
        with db.conn:  # not sent: let a later run try again
            db.execute("DELETE FROM content_reminders_sent WHERE event_id = ? AND offset = ? AND starts_at = ?",
                       [event_id, offset, starts_at])
        raise
    store.reminder_sent(db, event_id, offset, starts_at, message.message_id)
    return "sent"


async def send_weekly_digest() -> str:
    """The weekly digest into the chat, at most once per ISO week; nothing new, no digest."""
    from bot.routers.content.digest import weekly_digest

    rt = runtime()
    return await weekly_digest(rt.bot, rt.services)


async def publish_scheduled(post_id: int) -> str:
    """Publish a scheduled post if its author may still post to the channel."""
    from bot.routers.content.posting import publish_due

    rt = runtime()
    return await publish_due(rt.bot, rt.services, post_id)


def on_missed(event) -> None:
    """Scheduler listener: a post job dropped as too late marks its post missed and tells the author."""
    if RUNTIME is None or not str(event.job_id).startswith("post:"):
        return
    import asyncio

    from bot.routers.content.posting import missed

    rt = RUNTIME
    asyncio.get_running_loop().create_task(missed(rt.bot, rt.services, int(event.job_id.split(":")[1])))
