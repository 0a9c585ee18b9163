"""An offline Keeper for end-to-end tests: emulator + bot over HTTP, the sample preloaded."""
from __future__ import annotations

import pytest

from archive.embeddings import FakeEmbedder
from archive.store import Archive
from sandbox.keeper import OfflineKeeper
from tests.sample import load_sample


@pytest.fixture
async def world(tmp_path):
    """The bot running against the emulator, with the sample channel's 26 posts archived."""
    db_path = tmp_path / "keeper.db"
    embedder = FakeEmbedder()
    with Archive(db_path) as archive:
        load_sample(archive, embedder)
    async with OfflineKeeper(db_path, embedder=embedder) as w:
        yield w
