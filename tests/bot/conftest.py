"""An offline Keeper for end-to-end tests: emulator + bot over HTTP, the sample preloaded."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.embeddings import FakeEmbedder
from archive.importer import import_export
from archive.store import Archive
from bot.world import LocalWorld

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO.parent / "shared" / "corpus" / "channel_export.json"


def preload_sample(db_path: Path) -> None:
    archive = Archive(db_path)
    import_export(archive, SAMPLE, channel_username="boris_again", progress=False)
    archive.db.conn.close()


@pytest.fixture
async def world(tmp_path):
    """The bot running against the emulator, with the sample channel's 26 posts archived."""
    db_path = tmp_path / "keeper.db"
    preload_sample(db_path)
    async with LocalWorld(db_path, embedder=FakeEmbedder()) as w:
        w.services.searcher.embed_pending()
        yield w
