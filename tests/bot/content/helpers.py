"""Helpers the content tests share: the running bot's content jobs and store, and waiting for its work."""
from __future__ import annotations

import asyncio

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.routers.content.jobs import ContentJobs
from content.store import ContentStore
from sandbox.keeper import OfflineKeeper
from tests.sample import load_sample as import_sample


def load_sample(world: OfflineKeeper) -> None:
    """The sample export into the world's archive, encoded for the hybrid search."""
    import_sample(world.services.archive)
    world.services.searcher.embed_pending()


def content_jobs(world: OfflineKeeper) -> ContentJobs:
    """The running bot's jobs, as its handlers get them (a restart makes new ones)."""
    return world.dp["content_jobs"]


def content_store(world: OfflineKeeper) -> ContentStore:
    return world.dp["content_store"]


def scheduler(world: OfflineKeeper) -> AsyncIOScheduler:
    return content_jobs(world).scheduler


async def eventually(check, timeout: float = 5.0):
    """Wait until `check()` is truthy (for work the bot does after an update without sending)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)
