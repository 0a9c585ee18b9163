"""Fixtures for the content tests: a OfflineKeeper (emulator + bot), with the sample channel loaded or not."""
from __future__ import annotations

import pytest_asyncio

from archive.embeddings import FakeEmbedder
from sandbox.keeper import OfflineKeeper
from tests.bot.content.helpers import load_sample


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
