"""Two-stage dense search (big indexes): same answers as the exact scan, and it stays fresh."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from archive.embeddings import FakeEmbedder
from archive.models import IncomingPost
from archive.search import search
from archive.vectors import VectorIndex, embed_pending

from tests.sample import CHANNEL_ID

QUERIES = json.loads((Path(__file__).resolve().parents[2] / "bench" / "queries.json")
                     .read_text(encoding="utf-8"))["queries"]


def staged(model: str, db, head_dims: int, candidates: int) -> VectorIndex:
    """An index that goes two-stage from the first row, with a head of `head_dims` axes."""
    index = VectorIndex(model)
    index.two_stage_rows, index.head_dims, index.candidates = 1, head_dims, candidates
    index.refresh(db)
    assert index.two_stage
    return index


def same_ranking(got, want, tolerance: float) -> bool:
    """The same posts in the same order, except near-ties (scores within `tolerance`),
    which rotated bfloat16 vectors may round either way."""
    return len(got) == len(want) and all(
        a.post_id == b.post_id or abs(a.score - b.score) < tolerance for a, b in zip(got, want))


def test_small_indexes_stay_exact(sample_archive, real_embedder):
    index = VectorIndex(real_embedder.name)
    index.refresh(sample_archive.db)
    assert not index.two_stage and index.matrix().shape == (len(index), real_embedder.dim)


def test_two_stage_ranks_the_sample_like_the_exact_scan(sample_archive, real_embedder):
    exact = VectorIndex(real_embedder.name)
    exact.refresh(sample_archive.db)
    # k=2 rescores max(10, 40) of the sample's ~80 rows: stage 1 really chooses
    index = staged(real_embedder.name, sample_archive.db, head_dims=64, candidates=10)
    assert len(index) > 60
    for item in QUERIES:
        q = real_embedder.encode_queries([item["q"]])[0]
        want = exact.search(q, k=2)
        got = index.search(q, k=2)
        assert [h.post_id for h in got] == [h.post_id for h in want], item["q"]
        assert [h.passage_idx for h in got] == [h.passage_idx for h in want]
        # rescored over every dimension: the same cosines up to bfloat16 storage
        assert np.allclose([h.score for h in got], [h.score for h in want], atol=2e-3)
        assert same_ranking(index.search(q, k=5, exact=True), exact.search(q, k=5), tolerance=2e-3), item["q"]


def test_two_stage_hybrid_pages_match(sample_archive, real_embedder):
    exact = VectorIndex(real_embedder.name)
    index = staged(real_embedder.name, sample_archive.db, head_dims=96, candidates=40)
    for item in QUERIES:
        a = search(sample_archive, item["q"], embedder=real_embedder, index=exact, limit=10)
        b = search(sample_archive, item["q"], embedder=real_embedder, index=index, limit=10)
        # rotated vectors round differently in bfloat16 (~1e-3 in a cosine, up to a few
        # times that once fusion scales cosines by the candidates' range): only near-ties may swap
        assert same_ranking(b.hits[:3], a.hits[:3], tolerance=1e-2), item["q"]
        want = {h.message_id: h.score for h in a.hits}
        assert all(abs(want[h.message_id] - h.score) < 1e-2 for h in b.hits if h.message_id in want)


def test_two_stage_index_sees_new_and_edited_posts(fresh_archive):
    fake = FakeEmbedder()
    embed_pending(fresh_archive, fake)
    index = staged(fake.name, fresh_archive.db, head_dims=8, candidates=4)
    rows = len(index)
    fresh_archive.write(IncomingPost(channel_id=CHANNEL_ID, message_id=1800, date=1724000000,
                                     text="Квазикристаллы в трансформерах\nновый пост про квазикристаллы"))
    embed_pending(fresh_archive, fake)
    assert index.refresh(fresh_archive.db)
    assert len(index) == rows + 1 and index.loads == 1 and index.two_stage  # appended, rotated
    page = search(fresh_archive, "квазикристаллы", mode="dense", embedder=fake, index=index)
    assert page.hits[0].message_id == 1800
    # an edit replaces the post's passages: a full reload, still two-stage
    post = fresh_archive.get(CHANNEL_ID, 1800)
    fresh_archive.write(IncomingPost(channel_id=CHANNEL_ID, message_id=1800, date=post.date,
                                     text="Фотонные процессоры\nпост теперь про фотонику", edit_date=post.date + 60))
    embed_pending(fresh_archive, fake)
    assert index.refresh(fresh_archive.db) and index.loads == 2 and index.two_stage
    page = search(fresh_archive, "фотонные процессоры", mode="dense", embedder=fake, index=index)
    assert page.hits[0].message_id == 1800


def test_growing_past_the_threshold_switches_to_two_stage(fresh_archive):
    fake = FakeEmbedder()
    embed_pending(fresh_archive, fake)
    index = VectorIndex(fake.name)
    index.head_dims = 8
    index.refresh(fresh_archive.db)
    index.two_stage_rows = len(index) + 1
    assert not index.two_stage
    fresh_archive.write(IncomingPost(channel_id=CHANNEL_ID, message_id=1801, date=1724000000,
                                     text="Квазикристаллы в трансформерах\nновый пост про квазикристаллы"))
    embed_pending(fresh_archive, fake)
    assert index.refresh(fresh_archive.db)
    assert index.two_stage and index.loads == 2 and index.matrix().shape[1] == fake.dim
    q = fake.encode_queries(["квазикристаллы"])[0]
    assert [h.post_id for h in index.search(q, k=5)] == [h.post_id for h in index.search(q, k=5, exact=True)]


@pytest.mark.parametrize("dims", [8, 16])
def test_rotation_keeps_cosines(fresh_archive, dims):
    fake = FakeEmbedder()
    embed_pending(fresh_archive, fake)
    exact = VectorIndex(fake.name)
    exact.refresh(fresh_archive.db)
    index = staged(fake.name, fresh_archive.db, head_dims=dims, candidates=1000)
    q = fake.encode_queries(["утечка смысла"])[0]
    want = {h.post_id: h.score for h in exact.search(q, k=50)}
    got = {h.post_id: h.score for h in index.search(q, k=50)}
    assert want.keys() == got.keys()
    assert max(abs(want[p] - got[p]) for p in want) < 2e-3
@pytest.mark.parametrize("shape", ["random", "ascending", "ties", "masked"])
def test_top_rows_picks_the_same_rows_as_a_full_partition(shape):
    from archive.vectors import top_rows
    rng = np.random.default_rng(3)
    scores = rng.standard_normal(200_000).astype(np.float32)
    if shape == "ascending":  # the sampled threshold sees the array in order
        scores.sort()
    elif shape == "ties":
        scores = np.round(scores, 1)
    elif shape == "masked":  # a date filter leaves few rows
        scores[rng.random(len(scores)) < 0.995] = -np.inf
    for take in (1, 400, 2000, 3125):
        got = np.sort(scores[top_rows(scores, take)])
        want = np.sort(scores[np.argpartition(-scores, take - 1)[:take]])
        assert len(got) == take and np.array_equal(got, want)
