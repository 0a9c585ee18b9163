"""Searching the archive: full-text, dense, and their fusion, with highlighted snippets.

`search(archive, query, ...)` is the one call; `SearchService` holds the embedder and
the vector index for a long-lived process (the bot) and is safe to call from a thread
pool. Free user text never raises: quotes, FTS operators, emoji and 10k-char queries
all give a (possibly empty) page.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archive import fts
from archive.text import clean
from archive.vectors import DenseHit, VectorIndex, missing

MODES = ("hybrid", "fts", "dense")
RRF_K = 60
# Hybrid fusion. "rsf" (relative score fusion): each list's scores min-max normalised
# over its candidates, then a weighted sum (a post missing from a list gets 0 there).
# "rrf": weighted reciprocal rank fusion, k=60. On bench/queries.json with the offline
# MiniLM, rsf beats both single lists for dense weights 0.25-1.0 (MRR@10 0.85-0.86 vs
# fts 0.79, dense 0.61) while rrf(k=60) falls below fts: rank fusion throws away how far
# ahead a strong BM25 hit is. See bench/retrieval.py --sweep.
FUSION = "rsf"
FTS_WEIGHT = 1.0
DENSE_WEIGHT = 0.5
DEPTH = 100
MAX_QUERY_CHARS = 2000
MAX_QUERY_WORDS = 64
MAX_OFFSET = 10_000  # deeper pages are empty anyway; bounds the candidate lists
HIGHLIGHT = ("**", "**")  # the plain snippet's markers around matched words
SNIPPET_CHARS = 240

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Query encoding and the vector scan run here while the caller's thread does the full-text
# search (torch, numpy and SQLite release the GIL); SQLite stays in the caller's thread.
_DENSE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keeper-dense")


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    message_id: int
    channel_id: int
    score: float
    title: str
    date: int
    snippet: str
    snippet_html: str
    url: str | None
    hashtags: list[str]
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank in each list

    @property
    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.date, tz=dt.timezone.utc)


@dataclass
class SearchPage:
    query: str
    mode: str
    hits: list[SearchHit]
    total: int  # candidates found (an upper bound on what paging can reach)
    offset: int
    limit: int
    model: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds
    warnings: list[str] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


def _timestamp(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp())
    return int(value)


def _fts_query(query: str) -> str:
    """At most MAX_QUERY_WORDS distinct words of the query, for the full-text index."""
    kept = list(dict.fromkeys(fts.words(query)))[:MAX_QUERY_WORDS]
    return " ".join(kept)


def rrf(lists: dict[str, list[int]], weights: dict[str, float] | None = None,
        k: int = RRF_K) -> list[tuple[int, float, dict[str, int]]]:
    """Weighted reciprocal rank fusion of ranked id lists: (id, score, ranks) best first."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ids in lists.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            ranks.setdefault(item, {})[name] = rank
    order = sorted(scores, key=lambda i: (-scores[i], min(ranks[i].values())))
    return [(i, scores[i], ranks[i]) for i in order]


def _minmax(scored: list[tuple[int, float]]) -> dict[int, float]:
    if not scored:
        return {}
    values = [v for _, v in scored]
    lo, hi = min(values), max(values)
    return {i: (v - lo) / (hi - lo) if hi > lo else 1.0 for i, v in scored}


def rsf(lists: dict[str, list[tuple[int, float]]], weights: dict[str, float] | None = None
        ) -> list[tuple[int, float, dict[str, int]]]:
    """Relative score fusion of scored id lists (best first): (id, score, ranks) best first."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, scored in lists.items():
        weight = (weights or {}).get(name, 1.0)
        for item, value in _minmax(scored).items():
            scores[item] = scores.get(item, 0.0) + weight * value
        for rank, (item, _) in enumerate(scored, start=1):
            ranks.setdefault(item, {})[name] = rank
    order = sorted(scores, key=lambda i: (-scores[i], min(ranks[i].values())))
    return [(i, scores[i], ranks[i]) for i in order]


# -- snippets --------------------------------------------------------------------------------
def query_stems(query: str) -> set[str]:
    return {fts.stem(w) for w in fts.words(query[:MAX_QUERY_CHARS]) if len(w) > 2 or not w.isascii()} - {""}


def _matches(text: str, stems: set[str]) -> list[tuple[int, int, str]]:
    found = []
    if not stems:
        return found
    for m in _TOKEN.finditer(text):
        word = m.group().lower().replace("ё", "е")
        stem = fts.stem(word)
        if stem in stems:
            found.append((m.start(), m.end(), stem))
    return found


def _window(text: str, matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    if not matches:
        return 0, min(len(text), width)
    best, best_start = -1, 0
    for start, _, _ in matches:
        lo = max(0, start - width // 5)
        distinct = {s for a, b, s in matches if a >= lo and b <= lo + width}
        if len(distinct) > best:
            best, best_start = len(distinct), lo
    lo = best_start if best_start > width // 4 else 0
    hi = min(len(text), lo + width)
    if hi == len(text):
        lo = max(0, hi - width)
    # snap to word boundaries
    if lo > 0:
        space = text.rfind(" ", max(0, lo - 20), lo + 1)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.find(" ", hi - 20 if hi - 20 > lo else hi, hi + 20)
        hi = space if space > lo else hi
    return lo, hi


def make_snippet(text: str, query: str, width: int = SNIPPET_CHARS,
                 focus: str | None = None) -> tuple[str, str]:
    """(plain, html) excerpt of `text` around the query's words, matches highlighted.

    Words match by stem, so inflections highlight. Plain marks matches with HIGHLIGHT;
    the HTML form wraps them in <b> and escapes everything else. With no word match the
    excerpt starts at `focus` (e.g. the best dense passage) if found, else at the start.
    """
    flat = re.sub(r"\s+", " ", text or "").strip()
    stems = query_stems(query)
    matches = _matches(flat, stems)
    if len(flat) <= width:
        lo, hi = 0, len(flat)
    elif matches:
        lo, hi = _window(flat, matches, width)
    else:
        lo = 0
        probe = re.sub(r"\s+", " ", focus or "").strip()[:60]
        at = flat.find(probe) if probe else -1
        if at > width // 2:
            lo = at
        hi = min(len(flat), lo + width)
        if hi < len(flat):
            space = flat.rfind(" ", lo, hi)
            if space > lo + width // 2:
                hi = space
    plain, rich = [], []
    if lo > 0:
        plain.append("…")
        rich.append("…")
    pos = lo
    for a, b, _ in matches:
        if a < lo or b > hi:
            continue
        plain.append(flat[pos:a])
        rich.append(html.escape(flat[pos:a], quote=False))
        plain.append(f"{HIGHLIGHT[0]}{flat[a:b]}{HIGHLIGHT[1]}")
        rich.append(f"<b>{html.escape(flat[a:b], quote=False)}</b>")
        pos = b
    plain.append(flat[pos:hi])
    rich.append(html.escape(flat[pos:hi], quote=False))
    if hi < len(flat):
        plain.append("…")
        rich.append("…")
    return "".join(plain).strip(), "".join(rich).strip()


# -- search ----------------------------------------------------------------------------------
def search(archive, query: str, *, mode: str = "hybrid", limit: int = 10, offset: int = 0,
           since=None, until=None, hashtag: str | None = None, embedder=None,
           index: VectorIndex | None = None, depth: int | None = None,
           weights: dict[str, float] | None = None, fusion: str = FUSION,
           min_dense_score: float | None = None) -> SearchPage:
    """Search posts; `since`/`until` are unix seconds or dates (until exclusive).

    mode "fts" needs nothing else; "dense" needs an embedder; "hybrid" fuses both and
    falls back to full text (with a warning) when there is no embedder or no vectors.
    `index` should be a long-lived VectorIndex (refreshed here); without one a
    temporary index is loaded, which is slow for big archives.
    Dense search always has nearest neighbours, even for gibberish; `min_dense_score`
    (a cosine, model-specific) drops dense-only hits below it. Each hit's `ranks` says
    which lists found it ("fts" present = the words matched).
    A query with no words but a filter (hashtag, dates) lists the matching posts, newest first.
    """
    started = time.perf_counter()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    query = clean((query or "")[:MAX_QUERY_CHARS])  # lone surrogates would break the tokenizers
    limit = max(1, min(int(limit), 100))
    offset = max(0, min(int(offset), MAX_OFFSET))
    since_ts, until_ts = _timestamp(since), _timestamp(until)
    depth = depth or max(DEPTH, offset + limit)
    timings = {"encode": 0.0, "vector": 0.0, "fts": 0.0, "fusion": 0.0, "fetch": 0.0}
    warnings: list[str] = []
    page = SearchPage(query=query, mode=mode, hits=[], total=0, offset=offset, limit=limit,
                      model=getattr(embedder, "name", None), timings=timings, warnings=warnings)
    where, params = archive.filter_sql(since_ts, until_ts, hashtag)
    filtered = since_ts is not None or until_ts is not None or bool(hashtag)
    if not fts.words(query) and filtered:
        return _listing(archive, page, since_ts, until_ts, hashtag, started)
    if not query.strip():
        timings["total"] = (time.perf_counter() - started) * 1000
        return page

    dense_job = None
    if mode in ("dense", "hybrid"):
        if embedder is None:
            if mode == "dense":
                raise ValueError("dense search needs an embedder (see archive.embeddings.load_embedder)")
            warnings.append("no embedding model loaded: full-text results only")
        else:
            if index is None or index.model != embedder.name:
                index = VectorIndex(embedder.name)
            index.refresh(archive.db)
            if len(index) == 0 and archive.count():
                warnings.append(f"no vectors for model {embedder.name}: run `keeper reindex`"
                                + (" (full-text results only)" if mode == "hybrid" else ""))
            else:
                lacking = _lacking(archive, embedder.name, index)
                if lacking:
                    warnings.append(f"{lacking} posts have no vectors for model {embedder.name} "
                                    "yet: run `keeper reindex`")
            if len(index):
                allowed = None
                if hashtag:
                    allowed = np.fromiter((r[0] for r in archive.db.execute(
                        f"SELECT id FROM posts WHERE {where}", params)), dtype=np.int64)
                dense_job = _DENSE.submit(_dense_search, embedder, index, query, depth,
                                          since_ts, until_ts, allowed, timings)

    fts_ids: list[int] = []
    fts_scores: dict[int, float] = {}
    if mode in ("fts", "hybrid"):
        t = time.perf_counter()
        try:
            rows = fts.search(archive.db, _fts_query(query), limit=depth,
                              post_ids_sql=f"SELECT id FROM posts WHERE {where}" if filtered else None,
                              params=params if filtered else None)
        except sqlite3.OperationalError as exc:  # never let a query string break search
            rows = []
            warnings.append(f"full-text search failed: {exc}")
        fts_ids = [pid for pid, _ in rows]
        fts_scores = dict(rows)
        timings["fts"] = (time.perf_counter() - t) * 1000
    dense: list[DenseHit] = dense_job.result() if dense_job else []

    if min_dense_score is not None and fts_ids:
        # With word matches, weak meaning-only neighbours are padding; without any,
        # they are all there is (e.g. a query in the other language) and stay.
        lexical = set(fts_ids)
        dense = [h for h in dense if h.score >= min_dense_score or h.post_id in lexical]
    t = time.perf_counter()
    best_passage = {h.post_id: h.passage_idx for h in dense}
    if mode == "fts" or not dense:
        ranked = [(pid, fts_scores[pid], {"fts": r}) for r, pid in enumerate(fts_ids, start=1)]
        if mode == "dense":
            ranked = []
    elif mode == "dense":
        ranked = [(h.post_id, h.score, {"dense": r}) for r, h in enumerate(dense, start=1)]
    else:
        w = weights or {"fts": FTS_WEIGHT, "dense": DENSE_WEIGHT}
        if fusion == "rrf":
            ranked = rrf({"fts": fts_ids, "dense": [h.post_id for h in dense]}, w)
        else:
            ranked = rsf({"fts": [(pid, fts_scores[pid]) for pid in fts_ids],
                          "dense": [(h.post_id, h.score) for h in dense]}, w)
    timings["fusion"] = (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    page.total = len(ranked)
    chosen = ranked[offset:offset + limit]
    posts = archive.get_many([pid for pid, _, _ in chosen])
    focus = _passage_texts(archive, embedder, {pid: best_passage[pid] for pid, _, _ in chosen
                                               if pid in best_passage}) if dense else {}
    for pid, score, ranks in chosen:
        post = posts.get(pid)
        if post is None:
            continue
        plain, rich = make_snippet(post.text, query, focus=_body_of(focus.get(pid), post.title))
        page.hits.append(SearchHit(
            post_id=pid, message_id=post.message_id, channel_id=post.channel_id,
            score=float(score), title=post.title, date=post.date, snippet=plain,
            snippet_html=rich, url=post.url, hashtags=post.hashtags, ranks=ranks))
    timings["fetch"] = (time.perf_counter() - t) * 1000
    timings["total"] = (time.perf_counter() - started) * 1000
    return page


def _dense_search(embedder, index: VectorIndex, query: str, depth: int, since, until,
                  allowed, timings: dict[str, float]) -> list[DenseHit]:
    t = time.perf_counter()
    qvec = embedder.encode_queries([query])[0]
    timings["encode"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    hits = index.search(qvec, k=depth, since=since, until=until, post_ids=allowed)
    timings["vector"] = (time.perf_counter() - t) * 1000
    return hits


def _listing(archive, page: SearchPage, since, until, hashtag, started: float) -> SearchPage:
    """Filter-only search: the matching posts, newest first."""
    t = time.perf_counter()
    where, params = archive.filter_sql(since, until, hashtag)
    page.total = archive.db.execute(f"SELECT COUNT(*) FROM posts WHERE {where}", params).fetchone()[0]
    for post in archive.posts(since, until, hashtag, limit=page.limit, offset=page.offset):
        plain, rich = make_snippet(post.text, "")
        page.hits.append(SearchHit(
            post_id=post.id, message_id=post.message_id, channel_id=post.channel_id, score=0.0,
            title=post.title, date=post.date, snippet=plain, snippet_html=rich, url=post.url,
            hashtags=post.hashtags, ranks={}))
    page.timings["fetch"] = (time.perf_counter() - t) * 1000
    page.timings["total"] = (time.perf_counter() - started) * 1000
    return page


def _lacking(archive, model: str, index: VectorIndex, ttl: float = 10.0) -> int:
    """Posts with no up-to-date passages for the model (re-counted at most every `ttl` s)."""
    cached = getattr(index, "_coverage", None)
    now = time.monotonic()
    if cached and cached[0] > now and cached[1] == index._state:
        return cached[2]
    gap = missing(archive, model)["posts"]
    index._coverage = (now + ttl, index._state, gap)
    return gap


def _passage_texts(archive, embedder, wanted: dict[int, int]) -> dict[int, str]:
    if not wanted or embedder is None:
        return {}
    out = {}
    for pid, idx in wanted.items():
        row = archive.db.execute("SELECT text FROM passages WHERE model = ? AND post_id = ? AND idx = ?",
                                 [embedder.name, pid, idx]).fetchone()
        if row:
            out[pid] = row[0]
    return out


def _body_of(passage: str | None, title: str) -> str | None:
    if not passage:
        return None
    first, _, rest = passage.partition("\n")
    return rest if rest and first.strip() == re.sub(r"\s+", " ", title).strip() else passage


# -- the long-lived service ------------------------------------------------------------------
class SearchService:
    """Archive + embedder + vector index, for a long-lived process such as the bot.

    Thread-safe: each thread gets its own SQLite connection to `db_path` (SQLite
    connections must not cross threads); the vector index is shared. The model loads
    lazily on the first dense/hybrid search, or explicitly with `load()` (call that at
    start-up, off the event loop, to keep the first search fast). `model` is a name
    for `load_embedder` (None: $KEEPER_EMBEDDING_MODEL, else "offline").
    """

    def __init__(self, archive=None, embedder=None, *, model: str | None = None,
                 min_dense_score: float | None = None):
        """`archive`: an Archive (used as is in the thread that made the service) or a
        database path (None: $KEEPER_DB / ./data/keeper.db); other threads open their
        own connection to the same file."""
        from archive.db import default_path
        self._owner = threading.get_ident()
        self._shared = None
        if archive is not None and hasattr(archive, "db"):
            self._shared = archive
            path = archive.db.execute("PRAGMA database_list").fetchone()[2]
            self.db_path = path or ":memory:"
        else:
            self.db_path = str(archive or default_path())
        self._model_name = model
        self.min_dense_score = min_dense_score
        self._embedder = embedder
        self._index: VectorIndex | None = VectorIndex(embedder.name) if embedder else None
        self._local = threading.local()
        self._load_lock = threading.Lock()
        # Writers are serialised: album parts and passages must not race each other.
        self._write_lock = threading.RLock()
        self.last_error: str | None = None

    def archive(self):
        """This thread's Archive (SQLite connections must not cross threads)."""
        if self._shared is not None and (threading.get_ident() == self._owner or self.db_path == ":memory:"):
            return self._shared
        archive = getattr(self._local, "archive", None)
        if archive is None:
            from archive.store import Archive
            archive = Archive(self.db_path)
            self._local.archive = archive
        return archive

    @property
    def loaded(self) -> bool:
        return self._embedder is not None

    def load(self):
        """Load the model (raises ModelLoadError) and the vector index; returns the embedder."""
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    from archive.embeddings import load_embedder
                    embedder = load_embedder(self._model_name)
                    self._index = VectorIndex(embedder.name)
                    self._embedder = embedder
        self._index.refresh(self.archive().db)
        return self._embedder

    @property
    def embedder(self):
        return self.load()

    @property
    def index(self) -> VectorIndex:
        self.load()
        return self._index

    def search(self, query: str, **options) -> SearchPage:
        mode = options.pop("mode", "hybrid")
        embedder = self.load() if mode in ("dense", "hybrid") else self._embedder
        if self.min_dense_score is None and embedder is not None:
            from archive.embeddings import similarity_floor
            options.setdefault("min_dense_score", similarity_floor(embedder.name, query))
        options.setdefault("min_dense_score", self.min_dense_score)
        return search(self.archive(), query, mode=mode, embedder=embedder, index=self._index, **options)

    def ingest(self, post):
        """Store one incoming post (archive.models.IncomingPost) and encode its passages.

        The write always happens; if the model cannot be loaded the post is searchable
        by full text only, and `keeper reindex` encodes it later.
        """
        from archive.embeddings import ModelLoadError
        with self._write_lock:
            result = self.archive().write(post)
            if result.status != "unchanged":
                try:
                    self.embed_pending()
                except ModelLoadError as exc:
                    self.last_error = str(exc)
        return result

    def embed_pending(self, progress: bool = False) -> int:
        """Split and encode new or edited posts; the index picks them up on the next search."""
        from archive.vectors import embed_pending
        with self._write_lock:
            return embed_pending(self.archive(), self.load(), progress=progress)
