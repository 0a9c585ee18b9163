"""Search over the sample export: what a user typing a query would see first."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from archive.embeddings import FakeEmbedder
from archive.search import SearchService, make_snippet, search
from archive.vectors import VectorIndex


@pytest.fixture()
def index(real_embedder, sample_archive):
    idx = VectorIndex(real_embedder.name)
    idx.refresh(sample_archive.db)
    return idx


def ids(page):
    return [h.message_id for h in page.hits]


@pytest.mark.parametrize("mode", ["hybrid", "fts", "dense"])
def test_leakage_finds_the_semantic_leakage_review_first(sample_archive, real_embedder, index, mode):
    page = search(sample_archive, "leakage", mode=mode, embedder=real_embedder, index=index)
    assert ids(page)[0] == 1726
    hit = page.hits[0]
    assert hit.url == "https://t.me/boris_again/1726"
    assert hit.title.startswith("Does Liking Yellow Imply Driving a School Bus?")


def test_russian_inflections_match_in_full_text(sample_archive):
    page = search(sample_archive, "утечку смысла", mode="fts")
    assert ids(page)[0] == 1726
    assert "<b>утечка</b>" in page.hits[0].snippet_html
    assert "**смысла**" in page.hits[0].snippet


@pytest.mark.parametrize("query,expected", [
    ("votekick", 1724),              # Russian post with the English word
    ("semantic leakage", 1726),
    ("marshmallow test", 1717),      # the post says "Зефирный тест"
])
def test_english_query_finds_russian_post(sample_archive, real_embedder, index, query, expected):
    page = search(sample_archive, query, mode="hybrid", embedder=real_embedder, index=index)
    assert expected in ids(page)[:5]


def test_english_query_finds_russian_post_dense_only(sample_archive, real_embedder, index):
    # no shared word at all: "chess" vs "шахматных партиях"
    assert search(sample_archive, "chess", mode="fts").hits == []
    page = search(sample_archive, "chess", mode="hybrid", embedder=real_embedder, index=index)
    assert 1701 in ids(page)[:5]


def test_hybrid_keeps_strong_full_text_hits_on_top(sample_archive, real_embedder, index):
    for query, expected in [("правила чата", 1724), ("зефирный тест", 1717), ("PV-Tuning", 1704)]:
        page = search(sample_archive, query, embedder=real_embedder, index=index)
        assert ids(page)[0] == expected, query


@pytest.mark.parametrize("query", [
    '"', "'", '"unbalanced', "AND", "OR NOT", "leakage AND", "NEAR(a b)", "*", "^", "a*", "((((",
    ")", "col:value", "", "   ", "🥲🔥👀", "x" * 10_000, "слово " * 2000, "-", "NOT NOT NOT", "\x00",
    "title:leakage", "{a b}", "'); DROP TABLE posts; --",
])
@pytest.mark.parametrize("mode", ["hybrid", "fts", "dense"])
def test_hostile_queries_never_raise(sample_archive, real_embedder, index, query, mode):
    page = search(sample_archive, query, mode=mode, embedder=real_embedder, index=index)
    assert page.limit == 10 and len(page.hits) <= 10
    assert sample_archive.count() == 26


def test_quotes_and_operators_still_search_the_words(sample_archive):
    assert ids(search(sample_archive, '"semantic" AND (leakage', mode="fts"))[0] == 1726


def test_date_filter(sample_archive, real_embedder, index):
    since = int(dt.datetime(2024, 8, 1, tzinfo=dt.timezone.utc).timestamp())
    until = dt.date(2024, 8, 10)
    for mode in ("fts", "dense", "hybrid"):
        page = search(sample_archive, "нейросети AMA", mode=mode, since=since, until=until,
                      embedder=real_embedder, index=index)
        assert page.hits, mode
        for hit in page.hits:
            assert since <= hit.date < int(dt.datetime(2024, 8, 10, tzinfo=dt.timezone.utc).timestamp())
        assert 1706 not in ids(page) and 1726 not in ids(page)


def test_hashtag_filter(sample_archive, real_embedder, index):
    for mode in ("fts", "dense", "hybrid"):
        page = search(sample_archive, "модели", mode=mode, hashtag="#PaperWatch",
                      embedder=real_embedder, index=index)
        assert ids(page) == [1703], mode


def test_paging(sample_archive, real_embedder, index):
    first = search(sample_archive, "модели", limit=3, embedder=real_embedder, index=index)
    second = search(sample_archive, "модели", limit=3, offset=3, embedder=real_embedder, index=index)
    assert len(first.hits) == 3 and len(second.hits) == 3 and first.has_more
    assert not set(ids(first)) & set(ids(second))


def test_timings_reported(sample_archive, real_embedder, index):
    page = search(sample_archive, "leakage", embedder=real_embedder, index=index)
    assert {"encode", "vector", "fts", "fusion", "total"} <= set(page.timings)
    assert page.timings["encode"] > 0


def test_snippet_highlights_inflections_and_escapes_html():
    text = "Intro line.\nМы изучали <script>утечки</script> & смысл; утечку видно сразу."
    plain, rich = make_snippet(text, "утечка смысла")
    assert "**утечки**" in plain and "**утечку**" in plain and "**смысл**" in plain
    assert "<b>утечки</b>" in rich and "&lt;script&gt;" in rich and "&amp;" in rich
    assert "<script>" not in rich


def test_snippet_windows_long_text_around_the_match():
    text = "начало. " * 100 + "здесь leakage видно. " + "конец. " * 100
    plain, rich = make_snippet(text, "leakage", width=120)
    assert "**leakage**" in plain and plain.startswith("…") and plain.endswith("…")
    assert len(plain) < 160


def test_dense_without_embedder_is_an_error_hybrid_falls_back(sample_archive):
    with pytest.raises(ValueError):
        search(sample_archive, "leakage", mode="dense")
    page = search(sample_archive, "leakage")
    assert ids(page)[0] == 1726 and page.warnings


def test_service_is_safe_from_a_thread_pool(sample_db, real_embedder):
    service = SearchService(sample_db, real_embedder)
    queries = ["leakage", "утечку смысла", "votekick", "chess", "правила чата"] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(pool.map(lambda q: service.search(q, limit=3), queries))
    assert all(p.hits for p in pages)
    assert pages[0].hits[0].message_id == 1726 and pages[1].hits[0].message_id == 1726


def test_service_lazy_model_and_ingest(tmp_path):
    from archive.models import IncomingPost
    from archive.store import Archive
    from tests.sample import CHANNEL_ID as SAMPLE_CHANNEL_ID, load_sample
    path = tmp_path / "k.db"
    load_sample(Archive(path)).db.conn.close()
    service = SearchService(path, FakeEmbedder())
    result = service.ingest(IncomingPost(channel_id=SAMPLE_CHANNEL_ID, message_id=1801,
                                         date=1724100000, text="Гиперсети\nпост про гиперсети"))
    assert result.status == "created"
    assert service.search("гиперсети", mode="dense").hits[0].message_id == 1801
    lazy = SearchService(path, model="fake")
    assert not lazy.loaded
    assert lazy.search("гиперсети", mode="fts").hits and not lazy.loaded
    assert lazy.search("гиперсети").hits[0].message_id == 1801 and lazy.loaded


def test_filter_only_lists_posts_newest_first(sample_archive, real_embedder, index):
    page = search(sample_archive, "", hashtag="paperwatch", embedder=real_embedder, index=index)
    assert ids(page) == [1703]
    page = search(sample_archive, "#", since=dt.date(2024, 8, 10), embedder=real_embedder, index=index)
    assert ids(page) == [1726, 1725, 1724]


def test_dense_floor_drops_padding_beside_word_matches_only(sample_archive, real_embedder, index):
    noise = search(sample_archive, "qwertyuiop", embedder=real_embedder, index=index)
    assert noise.hits and all("fts" not in h.ranks for h in noise.hits)  # nearest neighbours only
    floored = search(sample_archive, "qwertyuiop", embedder=real_embedder, index=index, min_dense_score=0.3)
    assert ids(floored) == ids(noise)  # no word matched: the neighbours are all there is
    padded = search(sample_archive, "leakage", embedder=real_embedder, index=index)
    assert len(padded.hits) > 1
    kept = search(sample_archive, "leakage", embedder=real_embedder, index=index, min_dense_score=0.3)
    assert ids(kept) == [1726]


def test_russian_queries_get_the_english_only_models_cyrillic_floor(sample_archive, real_embedder):
    from archive.embeddings import similarity_floor
    from archive.search import SearchService

    assert similarity_floor(real_embedder.name, "утечка смысла") > similarity_floor(real_embedder.name, "leakage")
    page = SearchService(sample_archive, real_embedder).search("утечка смысла")
    assert [h.message_id for h in page.hits][:1] == [1726]
    assert all("fts" in h.ranks for h in page.hits)  # no padding from Russian noise in MiniLM
