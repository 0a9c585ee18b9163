"""Fixtures for the content tests: a OfflineKeeper (emulator + bot) with the sample channel loaded."""
from __future__ import annotations

import asyncio

import pytest_asyncio

from archive.embeddings import FakeEmbedder
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


def scheduler(world: OfflineKeeper):
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


@pytest_asyncio.fixture
async def world(request, tmp_path):
    """A running world; settings overrides come from `@pytest.mark.settings(...)`."""
    marker = request.node.get_closest_marker("settings")
    overrides = marker.kwargs if marker else {}
    async with OfflineKeeper(tmp_path / "k.db", embedder=FakeEmbedder(), **overrides) as w:
        yield w


@pytest_asyncio.fixture
async def sample_world(world):
    load_sample(world)
    return world


def pytest_configure(config):
    config.addinivalue_line("markers", "settings(**overrides): Settings overrides for the world fixture")
