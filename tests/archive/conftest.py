"""Fixtures for the archive search tests: the sample export, the real default model."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.store import Archive
from tests.sample import load_sample


@pytest.fixture(scope="session")
def real_embedder():
    """The embedded default model (multilingual USE, no torch), loaded once per session."""
    from archive.embeddings import load_embedder
    return load_embedder("default")


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory, real_embedder) -> Path:
    """A database file with the sample imported and embedded by the real model (session-wide, read-only)."""
    path = tmp_path_factory.mktemp("sample") / "keeper.db"
    with Archive(path) as archive:
        load_sample(archive, real_embedder)
    return path


@pytest.fixture()
def sample_archive(sample_db) -> Archive:
    return Archive(sample_db)


@pytest.fixture()
def fresh_archive(tmp_path) -> Archive:
    """A new database with the sample's posts and no vectors."""
    return load_sample(Archive(tmp_path / "keeper.db"))
