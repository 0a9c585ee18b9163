"""The one fixture of the end-to-end bot tests: `keeper`, an OfflineKeeper (emulator + bot over HTTP).

Markers configure it: `@pytest.mark.settings(**overrides)` (module-level `pytestmark` and the
test's own marker merge, the test's winning), `@pytest.mark.sample` to start with the sample
channel's posts archived and encoded.
"""
from __future__ import annotations

import pytest

from archive.embeddings import FakeEmbedder
from archive.store import Archive
from sandbox.keeper import OfflineKeeper
from tests.sample import load_sample


def settings_of(node) -> dict:
    """The settings overrides of a test: its markers merged from the module's down to its own."""
    overrides: dict = {}
    for marker in reversed(list(node.iter_markers("settings"))):
        overrides.update(marker.kwargs)
    return overrides


@pytest.fixture
async def keeper(request, tmp_path):
    """The bot running against the emulator, configured by the test's markers."""
    db_path = tmp_path / "keeper.db"
    embedder = FakeEmbedder()
    if request.node.get_closest_marker("sample"):
        with Archive(db_path) as archive:
            load_sample(archive, embedder)
    async with OfflineKeeper(db_path, embedder=embedder, **settings_of(request.node)) as running:
        yield running
