"""The content feature: papers, streams and surveys, digests, posting, stats, and the scheduler.

`setup()` applies the feature's migrations, includes its routers (new ones per
dispatcher), creates the APScheduler (started on dispatcher startup inside the running
loop, shut down on dispatcher shutdown) and hooks channel posts: after the core ingest
handler has stored a post, an outer middleware reads it for event announcements.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import Message, TelegramObject
from apscheduler.events import EVENT_JOB_MISSED

from bot.routers.content import digest, events, jobs, papers, posting, stats
from bot.routers.content.migrations import content_migrations
from bot.routers.content.scheduler import make_scheduler, schedule_digest
from bot.services import Services

log = logging.getLogger(__name__)


class ChannelPostHook(BaseMiddleware):
    """Runs the update's handlers (the archive ingest), then looks at the stored post."""

    async def __call__(self, handler: Callable[[TelegramObject, dict], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:  # even if indexing failed after the post was stored
            await self.after(event, data.get("services"))

    @staticmethod
    async def after(event: TelegramObject, services: Services | None) -> None:
        if services is None or not isinstance(event, Message):
            return
        if services.settings.channel_id is not None and event.chat.id != services.settings.channel_id:
            return
        try:
            post = services.archive.get(event.chat.id, event.message_id)
            if post is not None:
                await events.on_channel_post(post, services)
        except Exception:  # noqa: BLE001 - never break ingest because of reminders
            log.exception("content hook failed for channel post %s", event.message_id)


async def on_startup(bot: Bot, services: Services) -> None:
    scheduler = services.content_scheduler
    if not scheduler.running:
        scheduler.start()
    jobs.set_runtime(bot, services)
    scheduler.add_listener(jobs.on_missed, EVENT_JOB_MISSED)
    schedule_digest(scheduler, services.settings)
    try:
        # announcements that reached the archive without the hook (an import) get reminders too
        tz = services.settings.timezone
        since = int(events.now()) - events.ANNOUNCE_WINDOW
        found = await events.in_thread(services, lambda archive: events.extract_events(archive, tz, since=since))
        events.sync_channel_events(services, found)
        events.reschedule_all(services)
        for post_id in posting.reconcile(services):
            await posting.missed(bot, services, post_id)
    except Exception:  # noqa: BLE001 - a bad row must not keep the bot from starting
        log.exception("content: reconciling scheduled work failed")


async def on_shutdown(services: Services) -> None:
    scheduler = services.content_scheduler
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    jobs.clear_runtime(services)


def setup(dp: Dispatcher, services: Services) -> None:
    """Include this feature's routers and inject what its handlers need."""
    content_migrations.apply(services.db)
    services.content_scheduler = make_scheduler(services.settings)
    dp.include_routers(
        papers.build_router(),
        events.build_router(),
        digest.build_router(),
        stats.build_router(),
        posting.build_router(),
    )
    hook = ChannelPostHook()
    dp.channel_post.outer_middleware(hook)
    dp.edited_channel_post.outer_middleware(hook)
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
