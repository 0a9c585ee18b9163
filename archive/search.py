"""Searching the archive: full-text, dense, and their fusion, with clean snippets.

`search(archive, query, ...)` is the one call, in four steps: `plan` (clean the query,
find its words in the index), `full_text`, `fuse` (with the dense side run beside full
text, then the relevance floor of archive.relevance) and `hydrate` (posts and snippets).
`SearchService` holds the embedder and the vector index for a long-lived process (the
bot), is safe to call from a thread pool, and fills in a new model's vectors in the
background. Free user text never raises: quotes, FTS operators, emoji, lone surrogates and
10k-char queries all give a (possibly empty) page.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from archive import fts, relevance
from archive.snippets import make_snippet
from archive.vectors import DenseHit, VectorIndex, missing

log = logging.getLogger(__name__)

MODES = ("hybrid", "fts", "dense")
RRF_K = 60
# Hybrid fusion. "rsf" (relative score fusion): a weighted sum of each list's scores scaled
# to 0..1: BM25 as a share of the most the query's words could score (a post holding one
# word of three stays low even when it is the best full text has), a cosine as a share of
# the query's best one above the relevance floor. "rrf": weighted reciprocal rank fusion,
# k=60. Weights from bench/retrieval.py --sweep on the default model.
FUSION = "rsf"
FTS_WEIGHT = 2.0
DENSE_WEIGHT = 1.0
WORD_SHARE = 0.5  # a single unmatched word means less than the whole query (see Plan.unmatched)
BM25_K1 = 1.2  # FTS5's
DEPTH = 100
MAX_QUERY_CHARS = 2000
MAX_QUERY_WORDS = 64
MAX_OFFSET = 10_000  # deeper pages are empty anyway; bounds the candidate lists

_SURROGATE = re.compile("[\ud800-\udfff]")
# Query encoding and the vector scan run here while the caller's thread does the full-text
# search (numpy and SQLite release the GIL); SQLite stays in the caller's thread.
_DENSE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keeper-dense")
_MODEL_FLOOR = object()  # search(floor=...) default: the embedder's calibrated floor


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    message_id: int
    channel_id: int
    score: float
    title: str
    date: int
    snippet: str  # plain text, no markup
    snippet_html: str  # Telegram HTML, matched words in <b>
    url: str | None
    hashtags: list[str]
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank in each list
    highlights: tuple[tuple[int, int], ...] = ()  # [start, end) of matched words in `snippet`

    @property
    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.date, tz=dt.timezone.utc)


@dataclass
class SearchPage:
    query: str
    mode: str
    hits: list[SearchHit]
    total: int  # results shown over all pages (after the relevance floor)
    offset: int
    limit: int
    model: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds
    warnings: list[str] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


@dataclass(frozen=True)
class Plan:
    """A query made safe and looked up: what the other steps work from."""

    query: str  # cleaned: capped, no lone surrogates
    mode: str
    limit: int
    offset: int
    depth: int
    since: int | None
    until: int | None
    hashtag: str | None
    where: str  # SQL over `posts` for the filters
    params: list
    terms: list[fts.Term]
    documents: int  # in the full-text index

    @property
    def unmatched(self) -> list[str]:
        """The query's words the archive does not hold ("chess" of "chess transformer"),
        in a query of a few words: each is searched by meaning on its own too, so a word
        the archive says only in the other language is not drowned by the rest."""
        if not 2 <= len(self.terms) <= 3:
            return []
        return [t.word for t in self.terms if not t.found]

    @property
    def filtered(self) -> bool:
        return self.since is not None or self.until is not None or bool(self.hashtag)

    @property
    def listing(self) -> bool:
        """No words but a filter: list the matching posts, newest first."""
        return not fts.words(self.query) and self.filtered

    def stems(self) -> set[str]:
        """Every index term the query's words match (for highlighting)."""
        return {s for t in self.terms for s in t.stems}


@dataclass
class FullText:
    scores: dict[int, float]  # post id -> BM25, best first
    whole: bool = False  # some post holds every word of the query


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


def clean_query(query: str | None) -> str:
    """The query as searched: at most MAX_QUERY_CHARS, lone surrogates dropped."""
    return _SURROGATE.sub("", (query or "")[:MAX_QUERY_CHARS])


# -- step 1: planning ----------------------------------------------------------------------
def plan(archive, query: str, *, mode: str = "hybrid", limit: int = 10, offset: int = 0,
         since=None, until=None, hashtag: str | None = None, depth: int | None = None) -> Plan:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    query = clean_query(query)
    limit = max(1, min(int(limit), 100))
    offset = max(0, min(int(offset), MAX_OFFSET))
    since_ts, until_ts = _timestamp(since), _timestamp(until)
    where, params = archive.filter_sql(since_ts, until_ts, hashtag)
    documents = fts.documents_total(archive.db)
    terms = fts.query_terms(archive.db, query, limit=MAX_QUERY_WORDS, total=documents) if query.strip() else []
    return Plan(query=query, mode=mode, limit=limit, offset=offset,
                depth=depth or max(DEPTH, offset + limit), since=since_ts, until=until_ts,
                hashtag=hashtag, where=where, params=params, terms=terms, documents=documents)


# -- step 2: full text ---------------------------------------------------------------------
def full_text(archive, plan: Plan, warnings: list[str]) -> FullText:
    """Posts holding the query's words, by BM25, and which words each holds."""
    if plan.mode == "dense" or not plan.terms:
        return FullText({})
    subquery = f"SELECT id FROM posts WHERE {plan.where}" if plan.filtered else None
    params = plan.params if plan.filtered else None
    try:
        rows = fts.match(archive.db, plan.terms, limit=plan.depth, post_ids_sql=subquery,
                         params=params, total=plan.documents)
        whole = bool(rows) and fts.all_held(archive.db, plan.terms, subquery, params)
    except sqlite3.OperationalError as exc:  # never let a query string break search
        warnings.append(f"full-text search failed: {exc}")
        return FullText({})
    return FullText(dict(rows), whole)


# -- the dense side (runs beside full text) ------------------------------------------------
def _dense(embedder, index: VectorIndex, plan: Plan, allowed, timings: dict[str, float]) -> list[list[DenseHit]]:
    """Hits for the whole query, and for each of its unmatched words a dictionary knows
    (a word nobody knows, alone, finds only noise)."""
    t = time.perf_counter()
    words = [w for w in plan.unmatched if relevance.known_word(w, embedder)]
    qvecs = embedder.encode_queries([plan.query] + words)
    timings["encode"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    lists = index.search_many(qvecs, k=plan.depth, since=plan.since, until=plan.until, post_ids=allowed)
    timings["vector"] = (time.perf_counter() - t) * 1000
    return lists


def _start_dense(archive, plan: Plan, embedder, index: VectorIndex | None, warnings: list[str],
                 timings: dict[str, float]):
    """Submit the dense search (or say why there is none); returns a future or None."""
    if plan.mode == "fts" or not plan.query.strip():
        return None
    if embedder is None:
        if plan.mode == "dense":
            raise ValueError("dense search needs an embedder (see archive.embeddings.load_embedder)")
        warnings.append("no embedding model loaded: full-text results only")
        return None
    if index is None or index.model != embedder.name:
        index = VectorIndex(embedder.name)
    index.refresh(archive.db)
    if len(index) == 0:
        if archive.count():
            warnings.append(f"no vectors for model {embedder.name}: run `keeper reindex`"
                            + (" (full-text results only)" if plan.mode == "hybrid" else ""))
        return None
    lacking = _lacking(archive, embedder.name, index)
    if lacking:
        warnings.append(f"{lacking} posts or passages have no vectors for model {embedder.name} yet: "
                        "run `keeper reindex`")
    allowed = None
    if plan.hashtag:
        allowed = np.fromiter((r[0] for r in archive.db.execute(
            f"SELECT id FROM posts WHERE {plan.where}", plan.params)), dtype=np.int64)
    return _DENSE.submit(_dense, embedder, index, plan, allowed, timings)


# -- step 3: fusion and the relevance floor ------------------------------------------------
Ranked = tuple[int, float, dict[str, int]]  # (post id, score, ranks)


def rrf(lists: dict[str, list[int]], weights: dict[str, float] | None = None,
        k: int = RRF_K) -> list[Ranked]:
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


def rsf(parts: dict[str, dict[int, float]], order: dict[str, list[int]],
        weights: dict[str, float] | None = None) -> list[Ranked]:
    """Relative score fusion: the weighted sum of each list's 0..1 scores, best first."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, scaled in parts.items():
        weight = (weights or {}).get(name, 1.0)
        for item, value in scaled.items():
            scores[item] = scores.get(item, 0.0) + weight * value
        for rank, item in enumerate(order[name], start=1):
            ranks.setdefault(item, {})[name] = rank
    ranked = sorted(scores, key=lambda i: (-scores[i], min(ranks[i].values())))
    return [(i, scores[i], ranks[i]) for i in ranked]


def _scaled_full_text(plan: Plan, lexical: FullText) -> dict[int, float]:
    """BM25 as a share of the most the query's words could score (each word's idf times
    k1 + 1, FTS5's saturation), so a post holding one of three words stays low even when
    it is the best full text has."""
    total = plan.documents
    ceiling = (BM25_K1 + 1) * sum(max(1e-6, math.log((total - t.documents + 0.5) / (t.documents + 0.5)))
                                  for t in plan.terms)
    return {pid: min(1.0, score / ceiling) for pid, score in lexical.scores.items()}


def shown_dense(plan: Plan, lexical: FullText, lists: list[list[DenseHit]], floor: relevance.Floor | None,
                embedder=None) -> list[list[DenseHit]]:
    """The hits close enough by meaning (see archive.relevance); `lists`: hits for the
    whole query, then for each of its unmatched words. A post below the floor can still
    be shown for its words, by full text."""
    if floor is None:
        return lists
    if not relevance.meaningful(plan.terms, embedder):
        return [[] for _ in lists]
    shown = []
    for n, hits in enumerate(lists):
        base = floor.beside if lexical.whole and n == 0 else floor.alone
        cut = max(base, floor.ratio * hits[0].score) if hits else 0.0
        shown.append([h for h in hits if h.score >= cut])
    return shown


def merge_dense(lists: list[list[DenseHit]]) -> list[tuple[DenseHit, float]]:
    """One dense list: each post's share of every list it is in, added up (a post near the
    whole query and near an unmatched word has both reasons to be shown). A share is the
    hit's cosine over its own list's best (so a one-word query's lower cosines compete),
    times WORD_SHARE in an unmatched word's list. Each post keeps its hit for the whole
    query when it has one (its snippet's passage); best first."""
    best: dict[int, tuple[DenseHit, float]] = {}
    for n, hits in enumerate(lists):
        top = hits[0].score if hits else 0.0
        share = 1.0 if n == 0 else WORD_SHARE
        for h in hits:
            scaled = share * max(0.0, h.score / top) if top > 0 else 0.0
            kept, total = best.get(h.post_id, (h, 0.0))  # the whole query's list comes first
            best[h.post_id] = (kept, total + scaled)
    return sorted(best.values(), key=lambda pair: (-pair[1], -pair[0].score))


def fuse(plan: Plan, lexical: FullText, dense: list[tuple[DenseHit, float]], *,
         weights: dict[str, float] | None = None, fusion: str = FUSION) -> list[Ranked]:
    """One ranked list from full text and the (already floored, merged) dense hits."""
    fts_ids = list(lexical.scores)
    if plan.mode == "fts" or not dense:
        return [] if plan.mode == "dense" else [
            (pid, lexical.scores[pid], {"fts": r}) for r, pid in enumerate(fts_ids, start=1)]
    if plan.mode == "dense":
        return [(h.post_id, h.score, {"dense": r}) for r, (h, _) in enumerate(dense, start=1)]
    w = weights or {"fts": FTS_WEIGHT, "dense": DENSE_WEIGHT}
    dense_ids = [h.post_id for h, _ in dense]
    if fusion == "rrf":
        return rrf({"fts": fts_ids, "dense": dense_ids}, w)
    return rsf({"fts": _scaled_full_text(plan, lexical), "dense": {h.post_id: v for h, v in dense}},
               {"fts": fts_ids, "dense": dense_ids}, w)


# -- step 4: hydration ---------------------------------------------------------------------
def hydrate(archive, plan: Plan, chosen: list[Ranked], focus: dict[int, str]) -> list[SearchHit]:
    """The chosen posts as hits with snippets (in the given order)."""
    posts = archive.get_many([pid for pid, _, _ in chosen])
    stems = plan.stems()
    hits = []
    for pid, score, ranks in chosen:
        post = posts.get(pid)
        if post is None:
            continue
        snippet = make_snippet(post.text, stems, title=post.title, focus=focus.get(pid))
        hits.append(SearchHit(
            post_id=pid, message_id=post.message_id, channel_id=post.channel_id,
            score=float(score), title=post.title, date=post.date, snippet=snippet.text,
            snippet_html=snippet.html, url=post.url, hashtags=post.hashtags, ranks=ranks,
            highlights=snippet.highlights))
    return hits


def _focus(archive, model: str, dense: list[tuple[DenseHit, float]], chosen: list[Ranked]) -> dict[int, str]:
    """The best dense passage of each chosen post, its title line dropped (snippet focus)."""
    best = {h.post_id: h.passage_idx for h, _ in dense}
    out = {}
    for pid, _, _ in chosen:
        if pid in best:
            row = archive.db.execute("SELECT text FROM passages WHERE model = ? AND post_id = ? AND idx = ?",
                                     [model, pid, best[pid]]).fetchone()
            if row:
                out[pid] = row[0].partition("\n")[2] or row[0]
    return out


# -- the one call ----------------------------------------------------------------------------
def search(archive, query: str, *, mode: str = "hybrid", limit: int = 10, offset: int = 0,
           since=None, until=None, hashtag: str | None = None, embedder=None,
           index: VectorIndex | None = None, depth: int | None = None,
           weights: dict[str, float] | None = None, fusion: str = FUSION,
           floor=_MODEL_FLOOR) -> SearchPage:
    """Search posts; `since`/`until` are unix seconds or dates (until exclusive).

    mode "fts" needs nothing else; "dense" needs an embedder; "hybrid" fuses both and
    falls back to full text (with a warning) when there is no embedder or no vectors.
    `index` should be a long-lived VectorIndex (refreshed here); without one a
    temporary index is loaded, which is slow for big archives.
    Every result holds a word of the query or clears the relevance floor (see
    archive.relevance; `floor`: a relevance.Floor, None for no floor, default the
    embedder's calibrated one), so `total` counts what a user can page through. Each hit's
    `ranks` says which lists found it ("fts" present = the words matched).
    A query with no words but a filter (hashtag, dates) lists the matching posts, newest first.
    """
    started = time.perf_counter()
    timings = {"encode": 0.0, "vector": 0.0, "fts": 0.0, "fusion": 0.0, "fetch": 0.0}
    warnings: list[str] = []
    p = plan(archive, query, mode=mode, limit=limit, offset=offset, since=since, until=until,
             hashtag=hashtag, depth=depth)
    page = SearchPage(query=p.query, mode=mode, hits=[], total=0, offset=p.offset, limit=p.limit,
                      model=getattr(embedder, "name", None), timings=timings, warnings=warnings)
    if p.listing:
        return _listing(archive, page, p, started)
    dense_job = _start_dense(archive, p, embedder, index, warnings, timings)
    t = time.perf_counter()
    lexical = full_text(archive, p, warnings)
    timings["fts"] = (time.perf_counter() - t) * 1000
    lists = dense_job.result() if dense_job else []

    t = time.perf_counter()
    if floor is _MODEL_FLOOR:
        floor = relevance.floor_for(getattr(embedder, "name", None))
    dense = merge_dense(shown_dense(p, lexical, lists, floor, embedder))
    ranked = fuse(p, lexical, dense, weights=weights, fusion=fusion)
    timings["fusion"] = (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    page.total = len(ranked)
    chosen = ranked[p.offset:p.offset + p.limit]
    focus = _focus(archive, embedder.name, dense, chosen) if dense else {}
    page.hits = hydrate(archive, p, chosen, focus)
    timings["fetch"] = (time.perf_counter() - t) * 1000
    timings["total"] = (time.perf_counter() - started) * 1000
    return page


def _listing(archive, page: SearchPage, p: Plan, started: float) -> SearchPage:
    """Filter-only search: the matching posts, newest first."""
    t = time.perf_counter()
    page.total = archive.db.execute(f"SELECT COUNT(*) FROM posts WHERE {p.where}", p.params).fetchone()[0]
    posts = archive.posts(p.since, p.until, p.hashtag, limit=p.limit, offset=p.offset)
    page.hits = hydrate(archive, p, [(post.id, 0.0, {}) for post in posts], {})
    page.timings["fetch"] = (time.perf_counter() - t) * 1000
    page.timings["total"] = (time.perf_counter() - started) * 1000
    return page


def _lacking(archive, model: str, index: VectorIndex, ttl: float = 10.0) -> int:
    """Posts never split for the model plus passages with no vector (counted from the
    tables' sizes: cheap enough for every search; re-counted at most every `ttl` s)."""
    cached = getattr(index, "_coverage", None)
    now = time.monotonic()
    if cached and cached[0] > now and cached[1] == index._state:
        return cached[2]
    db = archive.db
    split = db.execute("SELECT COUNT(*) FROM passage_posts WHERE model = ?", [model]).fetchone()[0]
    passages = db.execute("SELECT COUNT(*) FROM passages WHERE model = ?", [model]).fetchone()[0]
    gap = max(0, archive.count() - split) + max(0, passages - len(index))
    index._coverage = (now + ttl, index._state, gap)
    return gap


# -- the long-lived service ------------------------------------------------------------------
def one_blas_thread() -> None:
    """Limit BLAS to one thread, process-wide. A search runs full text and the vector
    scan side by side on a couple of cores; a BLAS pool of its own in every small product
    (query encoding) only spins against them: at 100k posts end-to-end p95 went from 63
    to 34 ms (bench/search.py). Without threadpoolctl nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - an optional speed-up
        return
    threadpool_limits(limits=1, user_api="blas")


class SearchService:
    """Archive + embedder + vector index, for a long-lived process such as the bot.

    Thread-safe: the Archive gives each thread its own SQLite connection (SQLite
    connections must not cross threads); the vector index is shared. The model loads
    lazily on the first dense/hybrid search, or in the background with `start()` (the
    bot's start-up), which also encodes every passage the model has no vector for yet;
    until that is done, hybrid search answers from full text. `model` is a name for
    `load_embedder` (None: $KEEPER_EMBEDDING_MODEL, else the default).
    """

    def __init__(self, archive=None, embedder=None, *, model: str | None = None,
                 floor=_MODEL_FLOOR):
        """`archive`: an Archive, or a database path (None: $KEEPER_DB / ./data/keeper.db).
        The Archive gives each thread its own connection (the rule is in archive/db.py)."""
        from archive.db import default_path
        from archive.store import Archive
        self._archive = archive if isinstance(archive, Archive) else Archive(archive or default_path())
        self._model_name = model
        self.floor = floor
        self._embedder = embedder
        self._index: VectorIndex | None = VectorIndex(embedder.name) if embedder else None
        self._load_lock = threading.Lock()
        # Writers are serialised: album parts and passages must not race each other.
        self._write_lock = threading.RLock()
        self._backfill: threading.Thread | None = None
        self.backfilling = False
        self.last_error: str | None = None

    def archive(self):
        """The archive (safe from any thread: each gets its own connection)."""
        return self._archive

    @property
    def loaded(self) -> bool:
        return self._embedder is not None

    def load(self):
        """Load the model (raises ModelLoadError) and the vector index; returns the embedder."""
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    from archive.embeddings import load_embedder
                    one_blas_thread()
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
        """`search` on this thread's connection; hybrid answers from full text while the
        model's vectors are being built or if the model cannot be loaded."""
        from archive.embeddings import ModelLoadError
        mode = options.pop("mode", "hybrid")
        embedder = self._embedder
        if mode in ("dense", "hybrid"):
            try:
                embedder = self.load()
            except ModelLoadError as exc:
                if mode == "dense":
                    raise
                self.last_error = str(exc)
        options.setdefault("floor", self.floor)
        if mode == "hybrid" and self.backfilling:
            page = search(self.archive(), query, mode="fts", **options)
            page.mode = mode
            page.warnings.append("vectors for the model are being built: full-text results for now")
            return page
        return search(self.archive(), query, mode=mode, embedder=embedder, index=self._index, **options)

    def ingest(self, post):
        """Store one incoming post (archive.models.IncomingPost) and encode its passages.

        The write always happens; if the model cannot be loaded the post is searchable
        by full text only, and `keeper reindex` encodes it later.
        """
        from archive.embeddings import ModelLoadError
        with self._write_lock:
            result = self.archive().write(post)
            if result.status != "unchanged" and not self.backfilling:
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

    def start(self) -> threading.Thread:
        """Load the model and encode what it lacks, in a background thread (progress in
        the log); hybrid search answers from full text until that is done."""
        if self._backfill is None:
            self.backfilling = True
            self._backfill = threading.Thread(target=self._fill, name="keeper-embed", daemon=True)
            self._backfill.start()
        return self._backfill

    def _fill(self, chunk: int = 256) -> None:
        from archive.embeddings import ModelLoadError
        from archive.vectors import encode_missing, sync_passages
        try:
            embedder = self.load()
            lacking = missing(self.archive(), embedder.name)
            if lacking["posts"] or lacking["passages"]:
                log.info("model %s: encoding the passages of %d posts in the background "
                         "(full-text answers meanwhile)", embedder.name, lacking["posts"])
                done, last_report = 0, time.monotonic()
                while True:  # in steps, so live posts are stored between them
                    with self._write_lock:
                        split = sync_passages(self.archive(), embedder, limit=chunk)
                        encoded = encode_missing(self.archive(), embedder, limit=chunk)
                    if not split and not encoded:
                        break
                    done += encoded
                    if time.monotonic() - last_report >= 10:
                        left = missing(self.archive(), embedder.name)
                        log.info("model %s: %d passages encoded, %d to go", embedder.name, done,
                                 left["passages"])
                        last_report = time.monotonic()
                log.info("model %s: all passages encoded (%d this run)", embedder.name, done)
            self._index.refresh(self.archive().db)
        except ModelLoadError as exc:
            self.last_error = str(exc)
            log.error("%s; answering from full text only", exc)
        except Exception as exc:  # the bot keeps answering from full text
            self.last_error = str(exc)
            log.exception("background embedding failed: %s", exc)
        finally:
            self.backfilling = False
