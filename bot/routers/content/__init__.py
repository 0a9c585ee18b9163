"""The content feature: papers, streams and surveys, digests, posting, stats, and their jobs.

`setup()` includes the feature's routers (new ones per
dispatcher), and gives handlers two dispatcher values: `content_store` (ContentStore)
and `content_jobs` (ContentJobs: the scheduler and its jobs, started on dispatcher
startup inside the running loop, stopped on shutdown). It also hooks channel posts:
after the core ingest handler has stored a post, an outer middleware reads it for
event announcements.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import Message, TelegramObject

from bot.routers.content import digest, events, papers, posting, stats
from bot.routers.content.jobs import ContentJobs
from bot.services import Services
from content.store import ContentStore

log = logging.getLogger(__name__)


class ChannelPostHook(BaseMiddleware):
    """Runs the update's handlers (the archive ingest), then looks at the stored post."""

    def __init__(self, jobs: ContentJobs):
        self.jobs = jobs

    async def __call__(self, handler: Callable[[TelegramObject, dict], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:  # even if indexing failed after the post was stored
            await self.after(event)

    async def after(self, event: TelegramObject) -> None:
        if not isinstance(event, Message):
            return
        services = self.jobs.services
        if services.settings.channel_id is not None and event.chat.id != services.settings.channel_id:
            return
        try:
            post = services.archive.get(event.chat.id, event.message_id)
            if post is not None:
                await self.jobs.on_channel_post(post)
        except Exception:  # noqa: BLE001 - never break ingest because of reminders
            log.exception("content hook failed for channel post %s", event.message_id)


def setup(dp: Dispatcher, services: Services) -> None:
    """Include this feature's routers and inject what its handlers need."""
    store = ContentStore(services.db)
    jobs = ContentJobs(services, store)
    dp["content_store"] = store
    dp["content_jobs"] = jobs
    dp.include_routers(
        papers.build_router(),
        events.build_router(),
        digest.build_router(),
        stats.build_router(),
        posting.build_router(),
    )
    hook = ChannelPostHook(jobs)
    dp.channel_post.outer_middleware(hook)
    dp.edited_channel_post.outer_middleware(hook)
    dp.startup.register(jobs.start)
    dp.shutdown.register(jobs.stop)
