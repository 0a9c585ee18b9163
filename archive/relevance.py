"""Which hits are worth showing: a post is shown if it holds a word of the query, or is
close to the query by meaning above a floor calibrated for the model.

Dense search always has nearest neighbours, even for gibberish, and a cosine alone cannot
tell them apart from a real cross-language answer (with the default model `chess` scores
0.107 against the chess post, the keyboard mash `q w e r t y` 0.175 against its nearest
post). So a meaning-only hit needs two things:

1. The query means something: one of its words occurs in the archive, or is known to a
   dictionary: pymorphy3's for Russian, the model's own vocabulary of whole words for
   other scripts (`Embedder.knows`). Random letters, keyboard mashes and mixed scripts
   know none, and get nothing.
2. Its cosine clears the model's `Floor`: `alone` unless some post holds every word of
   the query, `beside` when one does (there a meaning-only hit is usually padding); in
   both cases `ratio` times the best meaning-only cosine of the query (the answer to a
   real query stands out from the rest of the archive; padding trails it).

Calibration: `python bench/retrieval.py --calibrate` prints, per model, the cosines of the
labelled relevant posts of bench/queries.json (66 queries: ru, en, cross-language) that only
the dense side finds, next to those of every other meaning-only hit, and, for 20 nonsense
strings (random letters, keyboard mashes, mixed scripts; bench/retrieval.py NONSENSE),
whether the gate stops them. For the default model the numbers below keep a relevant post
in the top 10 of every labelled query (66/66; `chess` is the lowest at 0.107) and let
16 of 609 other meaning-only hits through where no post holds all the words, 8 of 882
where one does; the nonsense strings' nearest posts score 0.10-0.21, above `alone`: the
gate (1.) is what stops all 20. A query's words the archive does not hold are also searched
by meaning on their own (archive.search: Plan.unmatched); their hits meet `alone`.
MiniLM was calibrated the same way; e5 was not (no copy here), its floor is a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from archive import fts


@dataclass(frozen=True)
class Floor:
    alone: float  # minimum cosine of a meaning-only hit when no post matches the words
    beside: float  # ... when some posts match the words
    ratio: float  # ... and at least this share of the query's best cosine


# (substring of the model's storage name, floor). Cosine scales differ per model: the
# default (USE) spreads unrelated text near 0.0-0.15; MiniLM puts any two Russian texts
# at 0.45-0.57; e5 compresses everything into 0.7-0.9.
FLOORS = (
    ("use-multilingual-v3", Floor(alone=0.09, beside=0.22, ratio=0.7)),
    ("all-MiniLM-L6-v2", Floor(alone=0.10, beside=0.45, ratio=0.55)),
    ("multilingual-e5", Floor(alone=0.80, beside=0.84, ratio=0.97)),  # not calibrated here: no e5 offline
    ("fake", Floor(alone=0.2, beside=0.3, ratio=0.5)),
)


def floor_for(model: str | None) -> Floor | None:
    """The calibrated floor for a model, or None for a model nobody calibrated (then only
    the relative `ratio` of a middle-of-the-road floor applies)."""
    if not model:
        return None
    return next((floor for key, floor in FLOORS if key in model), Floor(alone=-1.0, beside=-1.0, ratio=0.8))


_CYRILLIC = re.compile(r"[а-я]")


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=20_000)
def _russian_word(word: str) -> bool:
    return _morph().word_is_known(word)


def known_word(word: str, embedder=None) -> bool:
    """A word a dictionary knows: pymorphy3's for Cyrillic, else the model's vocabulary."""
    if _CYRILLIC.search(word):
        return _russian_word(word)
    knows = getattr(embedder, "knows", None)
    return bool(knows and knows(word))


def meaningful(terms: list[fts.Term], embedder=None) -> bool:
    """Whether any of the query's words is known to the archive or a dictionary."""
    return any(t.found or known_word(t.word, embedder) for t in terms)
