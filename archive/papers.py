"""Paper reviews: recognise posts that review a paper and pull out title, authors, links, TL;DR.

Recognition adds up simple signals (a heading or emoji-framed title, an "X et al." line,
#paperwatch, a link to a paper host, the words "статья"/"paper"/"авторы") and compares the
score with a threshold. Everything here is a pure function of a `Post`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from archive import fts
from archive import text as textlib
from archive.models import Post

THRESHOLD = 4
TLDR_LIMIT = 300

PAPER_HOSTS = (
    "arxiv.org", "openreview.net", "aclanthology.org", "doi.org", "/doi/", "biorxiv.org",
    "medrxiv.org", "proceedings.mlr.press", "papers.nips.cc", "proceedings.neurips.cc",
    "semanticscholar.org", "huggingface.co/papers", "paperswithcode.com", "ssrn.com",
    "jmlr.org", "openaccess.thecvf.com", "dl.acm.org", "ieeexplore.ieee.org", "nature.com/articles",
)
_AUTHORS = re.compile(
    r"^\s*((?:[A-ZА-ЯЁ][\w'’\-]+)(?:\s+(?:and|&|и)\s+[A-ZА-ЯЁ][\w'’\-]+)?\s+(?:et\.?\s*al\.?|и\s+др\.?|и\s+соавт\.?))"
    r"(?=[\s,;)]|$)",
    re.UNICODE,
)
_INLINE_AUTHORS = re.compile(r"\(([A-Z][\w'’\-]+\s+et\.?\s*al\.?)")
_PAPER_WORD = re.compile(r"\b(стать[яиеюей]|статьях|статьям|paper|papers|preprint|препринт\w*)\b", re.I)
_AUTHORS_WORD = re.compile(r"\b(автор(?:ы|ов|ам|ами)|authors|we propose|предлагают)\b", re.I)
_PAPER_TAGS = {"paperwatch", "papers", "paper", "статья", "статьи", "обзор", "review"}
_LINK_WORDS = re.compile(r"^\W*(paper|статья|arxiv|pdf|openreview)\W*$", re.I)
# "Статья с пафосным названием Transcendence: ..." / "ещё одну работу с ICML: PV-Tuning: ..."
_INLINE_TITLE = re.compile(
    r"(?:[Сс]тать\w*|[Рр]абот\w*|[Pp]aper)\b[^\n.:]{0,40}?(?:названием|:)\s+"
    r"(?P<title>[A-Z][^\n]{8,200}?)(?:\.\s|\.$|\n|$)",
    re.UNICODE,
)
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[\"«(A-ZА-ЯЁ0-9])")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_KEY_PHRASES = re.compile(
    r"\b(авторы (?:показывают|предлагают|называют|нашли)|показали|в (?:этой|данной) (?:статье|работе)|"
    r"суть|идея|ключевое|главное|предлагают|we (?:show|propose|introduce)|this paper|the authors)\b",
    re.I,
)


@dataclass(frozen=True)
class Paper:
    """A paper review found in a post."""

    post_id: int
    message_id: int
    title: str
    authors: str | None
    links: list[str]
    tldr: str
    url: str | None
    date: int
    score: int = 0
    signals: list[str] = field(default_factory=list)


def is_paper_link(url: str) -> bool:
    low = url.lower()
    return any(host in low for host in PAPER_HOSTS)


def _latin_ratio(s: str) -> float:
    letters = _LATIN.findall(s) + _CYRILLIC.findall(s)
    return len(_LATIN.findall(s)) / len(letters) if letters else 0.0


def _looks_like_title(s: str) -> bool:
    """An English paper-like title: mostly Latin letters, at least three words."""
    return len(s.split()) >= 3 and _latin_ratio(s) >= 0.8 and len(s) <= 250


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _strip_frame(line: str) -> str:
    return _EMOJI.sub("", line).strip(" -–—:|*_\t")


def _normalise_authors(s: str) -> str:
    s = re.sub(r"\s+", " ", s.strip())
    return re.sub(r"et\.?\s*al\.?", "et al.", s)


def _title(post: Post, lines: list[str]) -> tuple[str | None, str | None]:
    """(title, signal name) from a heading, an emoji-framed line, or an inline mention."""
    if not lines:
        return None, None
    first = lines[0]
    if first.startswith("#") and not re.match(r"#\w", first):
        heading = first.lstrip("#").strip()
        return heading, "heading" if _looks_like_title(heading) else "heading_ru"
    framed = _strip_frame(first)
    if framed != first.strip() and _EMOJI.match(first) and _looks_like_title(framed):
        return framed, "emoji_title"
    for line in lines[:4]:
        m = _INLINE_TITLE.search(line)
        if m and _looks_like_title(m.group("title")):
            return m.group("title").strip().rstrip("."), "inline_title"
    if _looks_like_title(framed) and len(lines) > 1 and _AUTHORS.match(lines[1]):
        return framed, "title_line"
    return None, None


def _authors(lines: list[str], text: str) -> str | None:
    for line in lines[:5]:
        m = _AUTHORS.match(line)
        if m:
            return _normalise_authors(m.group(1))
    m = _INLINE_AUTHORS.search(text)
    return _normalise_authors(m.group(1)) if m else None


def _paper_link_entities(post: Post) -> list[str]:
    """text_link targets whose text reads like "📃 Paper" / "Статья"."""
    found = []
    for e in post.entities:
        if e.type == "text_link" and e.url and _LINK_WORDS.match(_strip_frame(textlib.entity_text(post.text, e))):
            found.append(e.url)
    return found


def score_post(post: Post) -> tuple[int, list[str], str | None, str | None]:
    """(score, signals, title, authors) for a post."""
    text = post.text or ""
    lines = _lines(text)
    signals: list[str] = []
    score = 0
    title, title_signal = _title(post, lines)
    if title_signal in ("heading", "emoji_title", "inline_title", "title_line"):
        score += 2
        signals.append(title_signal)
    elif title_signal == "heading_ru":
        score += 1
        signals.append(title_signal)
    authors = _authors(lines, text)
    if authors:
        score += 3
        signals.append("authors")
    if _PAPER_TAGS & set(post.hashtags):
        score += 3
        signals.append("hashtag")
    link_targets = _paper_link_entities(post)
    if any(is_paper_link(u) for u in post.links) or link_targets:
        score += 2
        signals.append("paper_link")
    elif any(_LINK_WORDS.match(_strip_frame(line)) for line in lines[:4]):
        score += 2  # a "📃 Paper" line whose link the export lost
        signals.append("paper_label")
    if _PAPER_WORD.search(text):
        score += 1
        signals.append("paper_word")
    if _AUTHORS_WORD.search(text):
        score += 1
        signals.append("authors_word")
    if len(text) >= 600:
        score += 1
        signals.append("long")
    elif len(text) < 250:
        score -= 2
        signals.append("short")
    return score, signals, title, authors


def tldr(text: str, *, skip: Iterable[str] = (), limit: int = TLDR_LIMIT, sentences: int = 2) -> str:
    """One or two informative sentences: centrality (shared stems) + position + cue phrases."""
    skip_set = {s.strip() for s in skip if s}
    body_lines = [line for line in _lines(text)
                  if line not in skip_set and _strip_frame(line) not in skip_set
                  and not line.startswith("#") and not _AUTHORS.match(line)
                  and not _LINK_WORDS.match(_strip_frame(line)) and not line.startswith("@")]
    candidates: list[str] = []
    for line in body_lines:
        line = re.sub(r"^(?:[-*•–]|\d+[.)])\s+", "", line)
        candidates += [s for s in _sentences(line) if len(textlib._URL.sub("", s).strip()) >= 25]
    # a sentence that ends in a colon leads into a list the TL;DR would not show
    candidates = [s for s in candidates if not s.endswith(":")] or candidates
    if not candidates:
        return _trim(" ".join(body_lines), limit)
    bags = [set(fts.stem(w) for w in fts.words(s) if len(w) > 3) for s in candidates]
    doc: dict[str, int] = {}
    for bag in bags:
        for w in bag:
            doc[w] = doc.get(w, 0) + 1
    scored = []
    for i, (sentence, bag) in enumerate(zip(candidates, bags)):
        centrality = sum(doc[w] - 1 for w in bag) / (len(bag) or 1)
        position = 2.0 / (1 + i) ** 0.5
        cue = 2.0 if _KEY_PHRASES.search(sentence) else 0.0
        penalty = 1.0 if sentence.endswith("?") or len(sentence) > 400 else 0.0
        scored.append((centrality + position + cue - penalty, i))
    opening = lambda s: tuple(w.casefold() for w in re.findall(r"\w+", s)[:2])  # noqa: E731
    best: list[int] = []
    for _, i in sorted(scored, reverse=True):  # the best ones, each opening its own way
        if len(best) < sentences and opening(candidates[i]) not in {opening(candidates[j]) for j in best}:
            best.append(i)
    best.sort()
    full = lambda s: s[:1].upper() + s[1:] + ("" if s[-1] in ".!?…" else ".")  # noqa: E731 - a list item too
    out = full(candidates[best[0]])
    for i in best[1:]:
        if len(out) + 2 + len(candidates[i]) <= limit:
            out += " " + full(candidates[i])
    return _trim(out, limit)


def _sentences(line: str) -> list[str]:
    """Split a line into sentences, never inside double quotes or «guillemets»."""
    out, start = [], 0
    for m in _SENTENCE.finditer(line):
        before = line[start:m.start()]
        if before.count('"') % 2 or before.count("«") > before.count("»"):
            continue
        out.append(line[start:m.start()].strip())
        start = m.end()
    out.append(line[start:].strip())
    return [s for s in out if s]


def _trim(s: str, limit: int) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    if len(s) <= limit:
        return s
    cut = s[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def recognise_paper(post: Post, threshold: int = THRESHOLD) -> Paper | None:
    """The paper reviewed in a post, or None if it does not read like a paper review."""
    score, signals, title, authors = score_post(post)
    if score < threshold:
        return None
    paper_links = _paper_link_entities(post) + [u for u in post.links if is_paper_link(u)]
    other = [u for u in post.links if u not in paper_links and "t.me/" not in u]
    links = list(dict.fromkeys(paper_links + other))
    title = title or post.title
    return Paper(
        post_id=post.id, message_id=post.message_id, title=title, authors=authors,
        links=links, tldr=tldr(post.text, skip=[title, post.title]), url=post.url,
        date=post.date, score=score, signals=signals,
    )


def list_papers(archive, limit: int = 10, offset: int = 0, batch: int = 200) -> list[Paper]:
    """Paper reviews, newest first, paginated over the recognised ones."""
    found: list[Paper] = []
    scanned = 0
    while len(found) < offset + limit:
        posts = archive.posts(limit=batch, offset=scanned)
        if not posts:
            break
        scanned += len(posts)
        found += [p for p in map(recognise_paper, posts) if p]
    return found[offset:offset + limit]


def _post_id_of(hit) -> int:
    if isinstance(hit, int):
        return hit
    if isinstance(hit, (tuple, list)):
        return int(hit[0])
    for attr in ("post_id", "id"):
        if hasattr(hit, attr):
            return int(getattr(hit, attr))
    post = getattr(hit, "post", None)
    if post is not None:
        return int(post.id)
    raise TypeError(f"cannot read a post id from a search hit of type {type(hit).__name__}")


# Words that say "a paper" rather than which one: left out of a /paper query.
_GENERIC = re.compile(r"\b(papers?|articles?|reviews?|preprints?|стать[яиеюей]|статьях|статьям|"
                      r"разбор\w*|обзор\w*|препринт\w*)\b", re.I)


def paper_topic(query: str) -> str:
    """The query without the words that only say it is about a paper (unless that is all)."""
    topic = " ".join(_GENERIC.sub(" ", query).split())
    return topic or query.strip()


def field_match(db, paper: Paper, post: Post, terms: list[fts.Term]) -> float:
    """The idf-weighted share of the query's words in the paper's title, authors and the
    review's own headline (its subject)."""
    if not terms:
        return 0.0
    fields = set(fts.stem_text(" ".join([paper.title, paper.authors or "", post.title])).split())
    held = {t.word for t in terms if any(s in fields for s in t.stems)}
    return fts.coverage(terms, held)


def find_papers(archive, query: str, search_fn: Callable[[str, int], Iterable] | None = None,
                limit: int = 10) -> list[Paper]:
    """Paper reviews matching a query: those whose title, authors or subject hold its
    words first (most of them first), then the rest in the search's order.

    Words like "paper" or "статья" are left out of the query. `search_fn(query, limit)`
    returns hits best first (post ids, (post_id, score) pairs or objects with `post_id`);
    it defaults to the archive's full-text search. No hit, no paper: an empty list means
    "no such review".
    """
    topic = paper_topic(query)
    if search_fn is None:
        def search_fn(q: str, n: int):
            return fts.search(archive.db, q, limit=n)
    ids = list(dict.fromkeys(_post_id_of(h) for h in search_fn(topic, max(limit * 5, 50))))
    posts = archive.get_many(ids)
    terms = fts.query_terms(archive.db, topic)
    found = []
    for rank, post_id in enumerate(ids):
        post = posts.get(post_id)
        paper = recognise_paper(post) if post else None
        if paper:
            found.append((-field_match(archive.db, paper, post, terms), rank, paper))
    return [paper for *_, paper in sorted(found, key=lambda item: item[:2])][:limit]
