"""Search over the sample export: what a user typing a query would see first."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from archive.embeddings import FakeEmbedder
from archive.search import SearchService, search
from archive.snippets import MAX_MATCHES, SNIPPET_CHARS, make_snippet
from archive.vectors import VectorIndex


@pytest.fixture()
def index(real_embedder, sample_archive):
    idx = VectorIndex(real_embedder.name)
    idx.refresh(sample_archive.db)
    return idx


def ids(page):
    return [h.message_id for h in page.hits]


def marked(hit) -> list[str]:
    """The words a hit's snippet highlights."""
    return [hit.snippet[a:b] for a, b in hit.highlights]


@pytest.mark.parametrize("mode", ["hybrid", "fts", "dense"])
def test_leakage_finds_the_semantic_leakage_review_first(sample_archive, real_embedder, index, mode):
    page = search(sample_archive, "leakage", mode=mode, embedder=real_embedder, index=index)
    # meaning alone puts the review in the top two (the bot fuses it with the word match)
    assert 1726 in (ids(page)[:2] if mode == "dense" else ids(page)[:1])
    hit = next(h for h in page.hits if h.message_id == 1726)
    assert hit.url == "https://t.me/boris_again/1726"
    assert hit.title.startswith("Does Liking Yellow Imply Driving a School Bus?")


def test_russian_inflections_match_in_full_text(sample_archive):
    page = search(sample_archive, "утечку смысла", mode="fts")
    assert ids(page)[0] == 1726
    assert "<b>утечка</b>" in page.hits[0].snippet_html
    assert "смысла" in marked(page.hits[0]) and "**" not in page.hits[0].snippet


@pytest.mark.parametrize("query", ["шахматы", "шахматных", "шахматам", "шахматная"])
def test_russian_word_forms_meet_in_full_text(sample_archive, query):
    # the post says "шахматных партиях": noun and adjective forms find it alike
    page = search(sample_archive, query, mode="fts")
    assert ids(page) == [1701]
    assert "шахматных" in marked(page.hits[0])


def test_a_russian_word_the_archive_holds_in_no_form_finds_its_kin(sample_archive):
    # the post says "квантизации"; nobody wrote "квантование", so its kin stands in
    assert ids(search(sample_archive, "квантование", mode="fts")) == [1704]
    assert "квантизации" in marked(search(sample_archive, "квантование", mode="fts").hits[0])
    # a word with a form of its own keeps it, and a short stem has no kin
    assert search(sample_archive, "квантовый", mode="fts").hits == []
    assert search(sample_archive, "кванты", mode="fts").hits == []


def test_english_keeps_plain_stemming(sample_archive):
    assert ids(search(sample_archive, "leaks", mode="fts"))[:1] == [1726]
    assert search(sample_archive, "leaky", mode="fts").hits == []  # no family joining in English


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
    "title:leakage", "{a b}", "'); DROP TABLE posts; --", "leakage \ud800", "\udc00\ud800", "утечка \udfff смысла",
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
    snippet = make_snippet(text, "утечка смысла")
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["утечки", "смысл", "утечку"]
    assert "**" not in snippet.text
    assert "<b>утечки</b>" in snippet.html and "&lt;script&gt;" in snippet.html and "&amp;" in snippet.html
    assert "<script>" not in snippet.html


def test_snippet_windows_long_text_around_the_match():
    text = "начало. " * 100 + "здесь leakage видно. " + "конец. " * 100
    snippet = make_snippet(text, "leakage", width=120)
    assert "leakage" in [snippet.text[a:b] for a, b in snippet.highlights]
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert len(snippet.text) < 160


def test_snippet_drops_markdown_marks_and_the_title():
    text = "# Большой заголовок\nТекст с **жирным** словом и `кодом`.\n## Раздел\nЕщё #хэштег"
    snippet = make_snippet(text, "жирным", title="Большой заголовок")
    assert snippet.text == "Текст с жирным словом и кодом. Раздел Ещё #хэштег"
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["жирным"]
    assert make_snippet("Только заголовок", "заголовок", title="Только заголовок").text == ""
    long_first = "слово " * 30 + "хвост первой строки"
    title = long_first[:119].rstrip() + "…"
    assert make_snippet(long_first, "хвост", title=title).text == "слово " * 11 + "хвост первой строки"


def test_snippet_work_is_bounded_for_huge_posts():
    # 5 MB of text and 8,000 matching words: a bounded excerpt, a bounded number of marks
    for text in ["leakage " * 8000, ("слово " * 100 + "leakage ") * 8000]:
        snippet = make_snippet(text, "leakage")
        assert 0 < len(snippet.highlights) <= MAX_MATCHES
        assert len(snippet.text) <= SNIPPET_CHARS + 2


def test_search_survives_a_huge_post(fresh_archive):
    from archive.models import IncomingPost
    from tests.sample import CHANNEL_ID
    fresh_archive.write(IncomingPost(channel_id=CHANNEL_ID, message_id=1900, date=1724000000,
                                     text="Огромный пост\n" + "квазикристалл " * 400_000))
    page = search(fresh_archive, "квазикристалл", mode="fts")
    assert ids(page) == [1900] and marked(page.hits[0])[0] == "квазикристалл"


def test_snippets_are_clean_on_the_sample(sample_archive, real_embedder, index):
    page = search(sample_archive, "yellow school bus", embedder=real_embedder, index=index)
    hit = page.hits[0]
    assert hit.message_id == 1726 and hit.title.startswith("Does Liking Yellow")
    assert not hit.snippet.startswith(("#", "Does Liking Yellow")) and "**" not in hit.snippet


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


@pytest.mark.parametrize("query", ["qwertyuiop", "xyzzyqwerty", "qwkj zxv plmo", "йцукенгшщз",
                                   "ghbdtn vbh", "пvвлйgmп", "наев пкнл"])
def test_nonsense_finds_nothing(sample_archive, real_embedder, index, query):
    unfloored = search(sample_archive, query, embedder=real_embedder, index=index, floor=None)
    assert unfloored.hits  # dense search always has nearest neighbours...
    page = search(sample_archive, query, embedder=real_embedder, index=index)
    assert page.hits == [] and page.total == 0  # ...the floor shows none of them


def test_floor_drops_padding_beside_word_matches(sample_archive, real_embedder, index):
    padded = search(sample_archive, "leakage", embedder=real_embedder, index=index, floor=None)
    assert len(padded.hits) > 1
    assert ids(search(sample_archive, "leakage", embedder=real_embedder, index=index)) == [1726]


@pytest.mark.parametrize("query,expected", [
    ("chess", {1701}), ("шахматы", {1701}), ("marshmallow test", {1717}), ("жёлтый автобус", {1726}),
    ("salary survey", {1720}), ("image generation", {1712, 1716}),  # Flux, or generators drawing hands
])
def test_cross_language_queries_find_the_post_first(sample_archive, real_embedder, index, query, expected):
    page = search(sample_archive, query, embedder=real_embedder, index=index)
    assert page.hits and page.hits[0].message_id in expected


def test_image_generation_ranks_the_flux_post_above_vila(sample_archive, real_embedder, index):
    order = ids(search(sample_archive, "image generation", embedder=real_embedder, index=index))
    assert 1712 in order and (1703 not in order or order.index(1712) < order.index(1703))


def test_chess_transformer_shows_the_chess_post_on_the_first_page(sample_archive, real_embedder, index):
    page = search(sample_archive, "chess transformer", embedder=real_embedder, index=index, limit=5)
    assert 1701 in ids(page)


@pytest.mark.parametrize("query", ["шахматы", "сжатие моделей", "квантизацию", "жёлтый автобус"])
def test_the_massage_salon_post_stays_out_of_unrelated_searches(sample_archive, real_embedder, index, query):
    page = search(sample_archive, query, embedder=real_embedder, index=index, limit=100)
    assert page.hits and 1714 not in ids(page)


def test_service_and_search_agree_on_results_and_count(sample_archive, real_embedder, index):
    service = SearchService(sample_archive, real_embedder)
    direct = search(sample_archive, "утечка смысла", embedder=real_embedder, index=index)
    served = service.search("утечка смысла")
    assert ids(served) == ids(direct) and served.total == direct.total == len(direct.hits)
    assert ids(direct)[0] == 1726 and direct.total <= 3  # the review, not ten padded neighbours


def test_a_model_that_cannot_load_leaves_full_text_answering(sample_db, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    service = SearchService(sample_db, model="no-such-org/no-such-model")
    page = service.search("утечку смысла")
    assert ids(page)[0] == 1726 and any("no embedding model" in w for w in page.warnings)
    assert "no-such-org/no-such-model" in service.last_error
