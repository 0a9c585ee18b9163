"""Passages and their vectors in SQLite, and the in-memory vector index.

Tables (migration set "archive_vectors", in archive/migrations.py):
- passages(model, post_id, idx, text, text_hash): how a post is split for one model
  (splitting follows the model's tokenizer, so it is per model);
- passage_posts(model, post_id, content_hash, passages): which post version was split;
- embeddings(model, text_hash, dim, vector): float32 blobs keyed by model and text, so
  unchanged text is never encoded twice and models never mix;
- vector_state(model, version, resets): bumped on every change, so an index knows when
  to reload (resets: passages were removed, a full reload is needed).

Search only ever reads the active model's vectors; switching models means `keeper reindex`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from archive.passages import split_post, text_hash

def _db(archive_or_db):
    return getattr(archive_or_db, "db", archive_or_db)


def _bump(db, model: str, reset: bool = False) -> None:
    db.execute(
        "INSERT INTO vector_state (model, version, resets) VALUES (?, 1, ?) "
        "ON CONFLICT(model) DO UPDATE SET version = version + 1, resets = resets + excluded.resets",
        [model, int(reset)],
    )


def state(db, model: str) -> tuple[int, int]:
    """(version, resets) for a model; (0, 0) before anything was stored."""
    row = db.execute("SELECT version, resets FROM vector_state WHERE model = ?", [model]).fetchone()
    return (row[0], row[1]) if row else (0, 0)


# -- writing ------------------------------------------------------------------------------
def sync_passages(archive, embedder, chunk: int = 500, limit: int | None = None,
                  progress: bool = False) -> int:
    """Split every post (at most `limit`) whose text changed since it was last split for
    this model; returns how many were split."""
    db = _db(archive)
    model = embedder.name
    last_id, changed = 0, 0
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=missing(archive, model)["posts"], unit="post", desc=f"splitting ({model})")
    while limit is None or changed < limit:
        if limit is not None:
            chunk = min(chunk, limit - changed)
        rows = db.execute(
            "SELECT p.id, p.title, p.text, p.content_hash, pp.content_hash IS NOT NULL "
            "FROM posts p LEFT JOIN passage_posts pp ON pp.model = ? AND pp.post_id = p.id "
            "WHERE p.id > ? AND p.content_hash IS NOT NULL "
            "AND (pp.content_hash IS NULL OR pp.content_hash != p.content_hash) "
            "ORDER BY p.id LIMIT ?", [model, last_id, chunk]).fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        removed = False
        with db.conn:
            for post_id, title, text, content_hash, existed in rows:
                pieces = split_post(title or "", text or "", embedder)
                if existed:
                    db.execute("DELETE FROM passages WHERE model = ? AND post_id = ?", [model, post_id])
                    removed = True
                db.conn.executemany(
                    "INSERT INTO passages (model, post_id, idx, text, text_hash) VALUES (?, ?, ?, ?, ?)",
                    [(model, post_id, i, p, text_hash(p)) for i, p in enumerate(pieces)])
                db.execute(
                    "INSERT OR REPLACE INTO passage_posts (model, post_id, content_hash, passages) "
                    "VALUES (?, ?, ?, ?)", [model, post_id, content_hash, len(pieces)])
            _bump(db, model, reset=removed)
        changed += len(rows)
        if bar is not None:
            bar.update(len(rows))
    if bar is not None:
        bar.close()
    return changed


def embed_pending(archive, embedder, batch_size: int = 64, progress: bool = False,
                  chunk: int | None = None) -> int:
    """Split changed posts, then encode passages with no vector for this model.

    Returns how many distinct passage texts were encoded.
    """
    sync_passages(archive, embedder, progress=progress)
    return encode_missing(archive, embedder, batch_size=batch_size, progress=progress, chunk=chunk)


def encode_missing(archive, embedder, batch_size: int = 64, progress: bool = False,
                   chunk: int | None = None, limit: int | None = None) -> int:
    """Encode passages (at most `limit`) that have no vector for this model; returns how
    many distinct passage texts were encoded."""
    db = _db(archive)
    model = embedder.name
    sql = ("SELECT DISTINCT p.text_hash FROM passages p WHERE p.model = ? AND NOT EXISTS "
           "(SELECT 1 FROM embeddings e WHERE e.model = p.model AND e.text_hash = p.text_hash)")
    pending = [r[0] for r in db.execute(sql + (" LIMIT ?" if limit else ""),
                                        [model, limit] if limit else [model]).fetchall()]
    if not pending:
        return 0
    chunk = chunk or batch_size * 16
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(pending), unit="passage", desc=f"embedding ({model})")
    done = 0
    old_batch = getattr(embedder, "batch_size", None)
    if old_batch is not None:
        embedder.batch_size = batch_size
    try:
        for start in range(0, len(pending), chunk):
            hashes = pending[start:start + chunk]
            marks = ",".join("?" * len(hashes))
            texts = dict(db.execute(
                f"SELECT text_hash, MIN(text) FROM passages WHERE model = ? AND text_hash IN ({marks}) "
                "GROUP BY text_hash", [model, *hashes]).fetchall())
            hashes = [h for h in hashes if h in texts]
            vectors = embedder.encode_passages([texts[h] for h in hashes])
            now = int(time.time())
            with db.conn:
                db.conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector, created) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(model, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes(), now)
                     for h, v in zip(hashes, vectors)])
                _bump(db, model)
            done += len(hashes)
            if bar is not None:
                bar.update(len(hashes))
    finally:
        if old_batch is not None:
            embedder.batch_size = old_batch
        if bar is not None:
            bar.close()
    return done


def reindex(archive, embedder, force: bool = False, batch_size: int = 64, progress: bool = False) -> int:
    """Re-split every post for this model and encode what has no vector.

    Vectors of unchanged passages are kept unless `force`; vectors no passage uses any
    more are dropped. Other models' data is left alone. Returns passages encoded.
    """
    db = _db(archive)
    model = embedder.name
    with db.conn:
        db.execute("DELETE FROM passages WHERE model = ?", [model])
        db.execute("DELETE FROM passage_posts WHERE model = ?", [model])
        if force:
            db.execute("DELETE FROM embeddings WHERE model = ?", [model])
        _bump(db, model, reset=True)
    sync_passages(archive, embedder, progress=progress)
    count = encode_missing(archive, embedder, batch_size=batch_size, progress=progress)
    with db.conn:
        db.execute(
            "DELETE FROM embeddings WHERE model = ? AND NOT EXISTS (SELECT 1 FROM passages p "
            "WHERE p.model = embeddings.model AND p.text_hash = embeddings.text_hash)", [model])
    return count


def missing(archive, model: str) -> dict:
    """What the model lacks: posts never split for it, passages with no vector."""
    db = _db(archive)
    posts = db.execute(
        "SELECT COUNT(*) FROM posts p WHERE p.content_hash IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM passage_posts pp WHERE pp.model = ? AND pp.post_id = p.id "
        "AND pp.content_hash = p.content_hash)", [model]).fetchone()[0]
    passages = db.execute(
        "SELECT COUNT(*) FROM passages p WHERE p.model = ? AND NOT EXISTS "
        "(SELECT 1 FROM embeddings e WHERE e.model = p.model AND e.text_hash = p.text_hash)",
        [model]).fetchone()[0]
    return {"posts": posts, "passages": passages}


def stats(archive) -> dict:
    """Passages and vectors per model."""
    db = _db(archive)
    models: dict[str, dict] = {}
    for model, n in db.execute("SELECT model, COUNT(*) FROM passages GROUP BY model"):
        models.setdefault(model, {"passages": 0, "vectors": 0, "dim": None})["passages"] = n
    for model, n, dim in db.execute("SELECT model, COUNT(*), MAX(dim) FROM embeddings GROUP BY model"):
        entry = models.setdefault(model, {"passages": 0, "vectors": 0, "dim": None})
        entry.update(vectors=n, dim=dim)
    return models


# -- the in-memory index -----------------------------------------------------------------
_SCAN_BYTES = 1 << 20  # float32 rows widened at once (1 MB): the buffer stays in cache


def to_bfloat16(vectors: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (uint16), rounding to nearest even: half the memory.

    A unit vector's cosines keep ~3 significant digits, far finer than the gaps that
    matter for ranking (bench/retrieval.py scores the same as with float32).
    """
    bits = np.ascontiguousarray(vectors, dtype=np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bfloat16(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def as_float32(rows: np.ndarray) -> np.ndarray:
    """Rows stored as bfloat16 bits or float32, as float32."""
    return rows if rows.dtype == np.float32 else from_bfloat16(rows)


def scores_of(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosines of float32 queries (a vector, or one query per column) against bfloat16
    rows, as float32 (exact): (rows,) or (rows, queries).

    Blocks of rows are widened to float32 into a small buffer that stays in cache and
    multiplied on this thread (see `_dot`): about as fast as numpy's float32 product over
    twice the bytes, with plain numpy (no torch in the process).
    """
    query = np.ascontiguousarray(query, dtype=np.float32)
    out = np.empty((len(matrix),) + query.shape[1:], dtype=np.float32)
    rows = max(64, _SCAN_BYTES // (4 * max(1, matrix.shape[1])))
    buffer = np.empty((min(len(matrix), rows), matrix.shape[1]), dtype=np.uint32)
    for start in range(0, len(matrix), rows):
        block = matrix[start:start + rows]
        wide = buffer[:len(block)]
        np.left_shift(block, 16, out=wide, dtype=np.uint32)
        out[start:start + len(block)] = _dot(wide.view(np.float32), query)
    return out


def _dot(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """rows @ vector, or rows @ a few query columns, on this thread.

    One column: einsum (small products through OpenBLAS wake its worker threads, which
    then spin on the core full text and query encoding need). Several: a BLAS product per
    block of rows that stays in cache, so the rows are read from memory once for all the
    columns (a product over all rows at once with a skinny right side is 2-3x slower).
    """
    if vector.ndim == 1:
        return np.einsum("ij,j->i", rows, vector)
    out = np.empty((len(rows), vector.shape[1]), dtype=np.float32)
    vector = np.ascontiguousarray(vector, dtype=np.float32)
    block = max(64, _SCAN_BYTES // (4 * max(1, rows.shape[1])))
    for start in range(0, len(rows), block):
        np.matmul(rows[start:start + block], vector, out=out[start:start + block])
    return out


def top_rows(scores: np.ndarray, take: int) -> np.ndarray:
    """Indexes of the `take` highest scores, in no order: np.argpartition(-scores, take - 1)
    [:take], but a threshold from every 64th score (that about twice `take` rows clear)
    is found first and only the rows above it are partitioned: ~0.2 ms instead of ~3.5 at
    300k rows. If fewer than `take` clear it, the whole array is partitioned."""
    n = len(scores)
    if take >= n:
        return np.arange(n)
    if n >= 64 * take:
        sample = scores[::64]
        rank = len(sample) - (2 * take) // 64 - 1
        above = np.flatnonzero(scores >= np.partition(sample, rank)[rank])
        if len(above) >= take:
            return above[np.argpartition(-scores[above], take - 1)[:take]]
    return np.argpartition(-scores, take - 1)[:take]


@dataclass(frozen=True)
class DenseHit:
    post_id: int
    score: float
    passage_idx: int


class VectorIndex:
    """All passage vectors of one model in memory: bfloat16 (uint16 bits), but for a
    two-stage index's head, which is float32.

    `refresh(db)` is cheap when nothing changed (one query on vector_state); new vectors
    are appended in place (capacity grows), removals cause a full reload. Safe to share
    between threads: readers take a consistent snapshot.

    Small indexes are searched exactly: one product over every row, the best candidates
    rescored in float32, a max over each post's passages. From `two_stage_rows` rows on,
    the vectors are stored rotated onto their principal axes (an orthogonal basis fitted
    on a sample, so dot products do not change) and split into a `head` of the
    `head_dims` axes with the most variance and the `tail` of the rest: stage 1 scans only
    the head (kept in float32: a plain BLAS product over half the bytes of the whole
    matrix in bfloat16) for the `candidates` most promising rows, stage 2 rescores those
    exactly over all dimensions. Approximate only in which rows reach stage 2
    (bench/search.py prints recall against the exact scan); the float32 head costs a
    quarter more memory than bfloat16 throughout (at 512 dimensions).
    """

    _LOAD_CHUNK = 4096  # rows of blobs held at once while loading
    two_stage_rows = 100_000
    head_dims = 128
    candidates = 2000  # rows rescored in stage 2 (at least 20 per wanted post)
    _SAMPLE = 20_000  # vectors the basis is fitted on

    def __init__(self, model: str, dim: int | None = None):
        self.model = model
        self.dim = dim
        self._lock = threading.Lock()
        self._state: tuple[int, int] | None = None
        self.loads = 0  # full loads, for tests and stats
        self._clear()

    def _clear(self) -> None:
        dim = self.dim or 1
        self._basis: np.ndarray | None = None
        self._head = np.zeros((0, dim), dtype=np.uint16)
        self._tail = np.zeros((0, 0), dtype=np.uint16)
        self._post = np.zeros(0, dtype=np.int64)
        self._idx = np.zeros(0, dtype=np.int32)
        self._date = np.zeros(0, dtype=np.int64)
        self._n = 0
        self._last_passage_rowid = 0
        self._last_vector_rowid = 0

    def __len__(self) -> int:
        return self._n

    @property
    def two_stage(self) -> bool:
        return self._basis is not None

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self._head, self._tail, self._post, self._idx, self._date))

    def matrix(self) -> np.ndarray:
        """The live rows as float32: a copy of head and tail side by side (when two-stage,
        rotated: use `rotate`)."""
        head, tail, *_ = self.snapshot()
        return np.hstack([as_float32(head), as_float32(tail)])

    def head(self) -> np.ndarray:
        """The rows stage 1 scans (all dimensions unless two-stage); a view, do not write."""
        return self.snapshot()[0]

    def rotate(self, query: np.ndarray) -> np.ndarray:
        """A query in the index's coordinates (unchanged unless two-stage)."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        basis = self._basis
        return query if basis is None else query @ basis

    def refresh(self, db) -> bool:
        """Bring the index up to date with the database; True if anything changed."""
        db = _db(db)
        current = state(db, self.model)
        if current == self._state:
            return False
        with self._lock:
            if current == self._state:
                return False
            if self._state is None or current[1] != self._state[1]:
                self._full_load(db)
            else:
                self._load(db)
                if self._basis is None and self._n >= self.two_stage_rows:
                    self._full_load(db)  # grew past the threshold: reload rotated and split
            self._state = current
        return True

    def _full_load(self, db) -> None:
        self._clear()
        self.loads += 1
        # size the matrices once: growing them while loading would briefly hold two copies
        rows = db.execute(
            "SELECT COUNT(*) FROM passages p JOIN embeddings e ON e.model = p.model "
            "AND e.text_hash = p.text_hash WHERE p.model = ?", [self.model]).fetchone()[0]
        dim = db.execute("SELECT MAX(dim) FROM embeddings WHERE model = ?", [self.model]).fetchone()[0]
        if rows and dim:
            self.dim = self.dim or dim
            if rows >= self.two_stage_rows and self.head_dims < self.dim:
                self._basis = self._fit(db)
            self._reserve(rows + max(1024, rows // 50))
        self._load(db)

    def _fit(self, db) -> np.ndarray:
        """An orthogonal basis: the principal axes of a sample of the vectors, most variance first."""
        lo, hi = db.execute("SELECT MIN(rowid), MAX(rowid) FROM embeddings WHERE model = ?",
                            [self.model]).fetchone()
        wanted = np.unique(np.linspace(lo, hi, self._SAMPLE).astype(np.int64)).tolist()
        gram, total, count = np.zeros((self.dim, self.dim)), np.zeros(self.dim), 0
        for start in range(0, len(wanted), 500):  # streamed: no copy of the sample is kept
            part = wanted[start:start + 500]
            blobs = [r[0] for r in db.execute(
                f"SELECT vector FROM embeddings WHERE model = ? AND rowid IN ({','.join('?' * len(part))})",
                [self.model, *part]) if len(r[0]) == self.dim * 4]
            if blobs:
                v = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), self.dim)
                gram += v.T @ v
                total += v.sum(axis=0)
                count += len(v)
        if count < 2:
            return np.eye(self.dim, dtype=np.float32)
        mean = total / count
        _, axes = np.linalg.eigh(gram / count - np.outer(mean, mean))  # the covariance's eigenvectors
        return np.ascontiguousarray(axes[:, ::-1], dtype=np.float32)

    def _load(self, db) -> None:
        select = ("SELECT p.rowid, e.rowid, p.post_id, p.idx, posts.date, e.vector FROM passages p "
                  "JOIN embeddings e ON e.model = p.model AND e.text_hash = p.text_hash "
                  "JOIN posts ON posts.id = p.post_id WHERE p.model = ? AND ")
        last_p, last_e = self._last_passage_rowid, self._last_vector_rowid
        queries = [(select + "p.rowid > ?", [last_p])]
        if self._n:  # vectors that arrived for passages stored earlier (disjoint from the above)
            queries.append((select + "p.rowid <= ? AND e.rowid > ?", [last_p, last_e]))
        for sql, args in queries:
            cursor = db.execute(sql, [self.model, *args])
            while True:
                rows = cursor.fetchmany(self._LOAD_CHUNK)
                if not rows:
                    break
                last_p = max(last_p, max(r[0] for r in rows))
                last_e = max(last_e, max(r[1] for r in rows))
                if self._n == 0 and self.dim is None:
                    self.dim = len(rows[0][5]) // 4
                rows = [r for r in rows if len(r[5]) == self.dim * 4]
                if not rows:
                    continue
                vectors = np.frombuffer(b"".join(r[5] for r in rows), dtype=np.float32)
                self._append(vectors.reshape(len(rows), self.dim), rows)
        self._last_passage_rowid, self._last_vector_rowid = last_p, last_e

    def _reserve(self, capacity: int) -> None:
        split = self.head_dims if self._basis is not None else self.dim
        self._head = np.empty((capacity, split), dtype=np.float32 if self._basis is not None else np.uint16)
        self._tail = np.empty((capacity, self.dim - split), dtype=np.uint16)
        self._post = np.zeros(capacity, dtype=np.int64)
        self._idx = np.zeros(capacity, dtype=np.int32)
        self._date = np.zeros(capacity, dtype=np.int64)

    def _append(self, vectors: np.ndarray, rows: list) -> None:
        """Store float32 vectors (rotated first when two-stage) for `rows`."""
        n, need = self._n, self._n + len(rows)
        if need > len(self._post) or self._head.shape[1] + self._tail.shape[1] != self.dim:
            if self._head.shape[1] + self._tail.shape[1] != self.dim:
                n = self._n = 0
            old = (self._head, self._tail, self._post, self._idx, self._date)
            self._reserve(max(need, int(len(self._post) * 1.5), 1024))
            for new, live in zip((self._head, self._tail, self._post, self._idx, self._date), old):
                new[:n] = live[:n]
        split = self._head.shape[1]
        if self._basis is not None:
            vectors = vectors @ self._basis
            self._head[n:need] = vectors[:, :split]
        else:
            self._head[n:need] = to_bfloat16(vectors[:, :split])
        self._tail[n:need] = to_bfloat16(vectors[:, split:])
        self._post[n:need] = [r[2] for r in rows]
        self._idx[n:need] = [r[3] for r in rows]
        self._date[n:need] = [r[4] for r in rows]
        self._n = need  # publish only after the rows are written

    def snapshot(self):
        """(head, tail, basis, post, idx, date) of the live rows, consistent with each other."""
        with self._lock:
            n = self._n
            return (self._head[:n], self._tail[:n], self._basis,
                    self._post[:n], self._idx[:n], self._date[:n])

    def search(self, query: np.ndarray, k: int = 100, since: int | None = None,
               until: int | None = None, post_ids: np.ndarray | None = None,
               exact: bool = False) -> list[DenseHit]:
        """The k best posts by their best passage's cosine similarity to `query`.

        `exact` scans every dimension of every row even when the index is two-stage.
        """
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        return self.search_many(query, k, since, until, post_ids, exact)[0]

    def search_many(self, queries: np.ndarray, k: int = 100, since: int | None = None,
                    until: int | None = None, post_ids: np.ndarray | None = None,
                    exact: bool = False) -> list[list[DenseHit]]:
        """`search` for several queries (rows) in one pass over the vectors."""
        head, tail, basis, post, idx, date = self.snapshot()
        queries = np.asarray(queries, dtype=np.float32)
        if not len(head) or k <= 0:
            return [[] for _ in queries]
        if queries.shape[1] != head.shape[1] + tail.shape[1]:
            raise ValueError(f"query has {queries.shape[1]} dimensions, the index {head.shape[1] + tail.shape[1]}")
        if basis is not None:
            queries = np.einsum("ij,jk->ik", queries, basis)
        split = head.shape[1]
        if head.dtype == np.float32:  # a two-stage head: float32 rows, on this thread (see _dot)
            scores = np.ascontiguousarray(_dot(head, np.ascontiguousarray(queries[:, :split].T)))
        else:
            scores = scores_of(head, queries[:, :split].T)
        staged = tail.shape[1] > 0 and not exact
        if tail.shape[1] and exact:
            scores += scores_of(tail, queries[:, split:].T)
        mask = None
        if since is not None:
            mask = date >= since
        if until is not None:
            mask = (date < until) if mask is None else mask & (date < until)
        if post_ids is not None:
            allowed = np.isin(post, post_ids)
            mask = allowed if mask is None else mask & allowed
        available = len(post) if mask is None else int(mask.sum())
        if not available:
            return [[] for _ in queries]
        if mask is not None:
            scores[~mask] = -np.inf
        return [self._best(np.ascontiguousarray(scores[:, j]), queries[j], k, available, staged,
                           head, tail, post, idx) for j in range(len(queries))]

    def _best(self, scores, query, k, available, staged, head, tail, post, idx) -> list[DenseHit]:
        """The k best posts from one query's row scores (stage 2 rescoring when staged)."""
        split = head.shape[1]
        take = min(len(scores), max(self.candidates, 20 * k) if staged else max(k * 4, 32))
        while True:
            top = top_rows(scores, take)
            top = top[scores[top] > -np.inf]
            if staged:  # float32 over every dimension
                scores[top] = _dot(as_float32(head[top]), query[:split]) + _dot(from_bfloat16(tail[top]), query[split:])
            top = top[np.argsort(-scores[top], kind="stable")]
            # the first (best) row of each post, in score order: the max over its passages
            _, first = np.unique(post[top], return_index=True)
            best = top[np.sort(first)]
            if len(best) >= k or take >= len(scores) or take >= available:
                return [DenseHit(int(post[r]), float(scores[r]), int(idx[r])) for r in best[:k]]
            take = min(len(scores), take * 4)
