"""kill -9 during an import, at every fault point of the write path: after running the import
again, nothing is lost or doubled and full text and vectors match the posts (bench/crash.py
runs the same with random kills on 2,000 posts and prints the numbers)."""
from __future__ import annotations

import random
import signal

import pytest

from archive.embeddings import FakeEmbedder
from archive.importer import import_and_embed
from archive.store import Archive
from bench.crash import FAULT_POINTS, audit, run_to_death, write_export

POSTS, BATCH = 60, 10
CLEAN = {"lost": 0, "doubled": 0, "no_fts": 0, "no_vectors": 0, "unfinished": 0}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    path = tmp_path_factory.mktemp("crash") / "result.json"
    return path, write_export(path, POSTS)


def kill_then_finish(export, db, point: str, nth: int) -> dict:
    path, expected = export
    assert run_to_death(path, db, point, nth, BATCH, "fake") == -signal.SIGKILL
    with Archive(db) as archive:
        import_and_embed(archive, path, FakeEmbedder(), batch_size=BATCH, progress=False)
    return audit(db, expected, "fake")


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_killed_at_a_fault_point_then_rerun_loses_and_doubles_nothing(export, tmp_path, point):
    nth = random.Random(point).randint(1, FAULT_POINTS[point][1](POSTS, BATCH))
    assert kill_then_finish(export, tmp_path / "keeper.db", point, nth) == CLEAN


@pytest.mark.parametrize("seed", range(3))
def test_killed_at_random_calls_then_rerun_loses_and_doubles_nothing(export, tmp_path, seed):
    rng = random.Random(seed)
    point = rng.choice(sorted(FAULT_POINTS))
    assert kill_then_finish(export, tmp_path / "keeper.db", point,
                            rng.randint(1, FAULT_POINTS[point][1](POSTS, BATCH))) == CLEAN
