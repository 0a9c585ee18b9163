"""Helpers the content tests share: the running bot's content jobs, store and scheduler."""
from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.routers.content.jobs import ContentJobs
from content.store import ContentStore
from sandbox.keeper import OfflineKeeper


def content_jobs(keeper: OfflineKeeper) -> ContentJobs:
    """The running bot's jobs, as its handlers get them (a restart makes new ones)."""
    return keeper.dp["content_jobs"]


def content_store(keeper: OfflineKeeper) -> ContentStore:
    return keeper.dp["content_store"]


def scheduler(keeper: OfflineKeeper) -> AsyncIOScheduler:
    return content_jobs(keeper).scheduler
