from archive.models import Entity, IncomingPost
from archive.papers import find_papers, list_papers, recognise_paper
from archive.store import Archive
from tests.sample import CHANNEL_ID, sample_archive

import pytest


@pytest.fixture(scope="module")
def archive():
    return sample_archive()


def paper(archive, message_id):
    return recognise_paper(archive.get(CHANNEL_ID, message_id))


def test_semantic_leakage_review_has_title_authors_and_link(archive):
    p = paper(archive, 1726)
    assert p is not None
    assert p.title == "Does Liking Yellow Imply Driving a School Bus? Semantic Leakage in Language Models"
    assert p.authors == "Gonen et al."
    assert p.url == "https://t.me/boris_again/1726"
    assert 30 < len(p.tldr) <= 300


@pytest.mark.parametrize("message_id, title, authors", [
    (1702, "In-Context Reinforcement Learning for Variable Action Spaces", "Sinii et al."),
    (1703, "VILA: On Pre-training for Visual Language Models", None),
    (1704, "PV-Tuning: Beyond Straight-Through Estimation for Extreme LLM Compression", "Malinovskii et al."),
    (1701, "Transcendence: Generative Models Can Outperform The Experts That Train Them", None),
])
def test_sample_paper_reviews_are_recognised(archive, message_id, title, authors):
    p = paper(archive, message_id)
    assert p is not None
    assert p.title == title
    assert p.authors == authors


@pytest.mark.parametrize("message_id", [1705, 1706, 1707, 1708, 1709, 1710, 1711, 1717, 1720, 1722, 1723, 1724])
def test_notes_and_announcements_are_not_papers(archive, message_id):
    assert paper(archive, message_id) is None


def test_paper_links_come_first_and_tldr_is_short():
    a = Archive(":memory:")
    text = ("# Attention Is All You Need For Testing\nVaswani et al.\n📃 Paper\n"
            "Блогпост: https://example.com/blog\n"
            "Авторы предлагают архитектуру без рекуррентности, только внимание. " + "Подробности. " * 40)
    start = text.index("📃 Paper")
    from archive.text import utf16_len
    ent = Entity("text_link", utf16_len(text[:start]), utf16_len("📃 Paper"), url="https://arxiv.org/abs/1706.03762")
    a.write(IncomingPost(channel_id=1, message_id=5, date=1_700_000_000, text=text, entities=[ent]))
    p = recognise_paper(a.get(1, 5))
    assert p.links[0] == "https://arxiv.org/abs/1706.03762"
    assert "https://example.com/blog" in p.links
    assert p.authors == "Vaswani et al."
    assert p.tldr.startswith("Авторы предлагают")
    assert len(p.tldr) <= 300


def test_list_papers_newest_first_with_paging(archive):
    first = list_papers(archive, limit=2)
    rest = list_papers(archive, limit=10, offset=2)
    assert [p.message_id for p in first] == [1726, 1704]
    assert [p.message_id for p in rest] == [1703, 1702, 1701]


def test_find_papers_filters_search_hits_to_reviews(archive):
    found = find_papers(archive, "LLM")
    assert found and all(p.title for p in found)
    assert {p.message_id for p in found} <= {1701, 1702, 1703, 1704, 1726}


def test_find_papers_accepts_an_injected_search(archive):
    ids = {m: archive.get(CHANNEL_ID, m).id for m in (1711, 1703, 1726)}
    calls = []

    def hybrid(query, limit):
        calls.append(query)
        return [(ids[1711], 0.9), (ids[1703], 0.8), (ids[1726], 0.1)]

    found = find_papers(archive, "visual", search_fn=hybrid)
    assert calls == ["visual"]
    assert [p.message_id for p in found] == [1703, 1726]


@pytest.fixture(scope="module")
def hybrid(real_embedder, tmp_path_factory):
    """find_papers over the bot's search (hybrid, with the relevance floor)."""
    from archive.search import SearchService
    from archive.vectors import embed_pending
    from tests.sample import load_sample
    embedded = load_sample(Archive(tmp_path_factory.mktemp("papers") / "k.db"))
    embed_pending(embedded, real_embedder)
    service = SearchService(embedded, real_embedder)
    return embedded, lambda q, n: service.search(q, limit=n).hits


@pytest.mark.parametrize("query,first", [
    ("chess", 1701),                     # the review says "шахматных партиях": Transcendence
    ("transcendence", 1701),
    ("PV-Tuning", 1704),
    ("Gonen", 1726),                     # by the authors
    ("статья про утечку смысла", 1726),
    ("paper about visual language models", 1703),
])
def test_paper_query_ranks_by_title_authors_and_subject(hybrid, query, first):
    archive, search_fn = hybrid
    found = find_papers(archive, query, search_fn=search_fn)
    assert found and found[0].message_id == first


@pytest.mark.parametrize("query", ["nonexistent paper xyz", "qwkj zxv", "статья йцукен"])
def test_no_such_review(hybrid, query):
    archive, search_fn = hybrid
    assert find_papers(archive, query, search_fn=search_fn) == []


def test_a_new_review_is_found_by_its_title_first(real_embedder, tmp_path):
    from archive.search import SearchService
    from archive.vectors import embed_pending
    from tests.sample import load_sample
    archive = load_sample(Archive(tmp_path / "k.db"))
    archive.write(IncomingPost(
        channel_id=CHANNEL_ID, message_id=1800, date=1_725_000_000,
        text="# Mixture of Depths: Dynamically Allocating Compute in Transformer Language Models\n"
             "Raposo et al.\n📃 Paper\nАвторы предлагают пропускать токены через часть слоёв трансформера, "
             "экономя вычисления при той же точности. " + "Подробности разбора статьи. " * 30 + "#paperwatch"))
    embed_pending(archive, real_embedder)
    service = SearchService(archive, real_embedder)
    found = find_papers(archive, "mixture of depths", search_fn=lambda q, n: service.search(q, limit=n).hits)
    assert found[0].message_id == 1800
