"""The spam check's sentence encoder: USE multilingual v3 (archive's default embedder, whatever
model search uses), the model moderation/spam is calibrated for. Loaded once per process, from a
worker thread (bot/routers/spam/guard.py starts it off the event loop)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from moderation.spam.model import Encode


@lru_cache(maxsize=1)
def load_encoder() -> Encode:
    """``encode(list[str]) -> (n, 512)`` L2-normalised float32 rows.

    BLAS is held to one thread for the process: one message is a small matrix product, and
    on two shared cores BLAS threads make a check several times slower."""
    from archive.embeddings import UniversalSentenceEncoder
    from archive.search import one_blas_thread

    one_blas_thread()
    return Remembering(UniversalSentenceEncoder().encode_passages)  # the weights search already holds


class Remembering:
    """An encoder that keeps the vectors of the last ``size`` texts it encoded: the starting
    samples are encoded once per process however often a filter is built (a restart, a test),
    and a text just checked is not encoded again when an admin teaches it."""

    def __init__(self, encode: Encode, size: int = 2048):
        self.encode, self.size = encode, size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.encode(texts)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, np.asarray(self.encode(missing), dtype=np.float32)))
            with self._lock:
                self._vectors.update((t, known[t]) for t in missing)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])
