"""Splitting a post into passages that fit an embedding model.

A passage is the post's title plus a run of whole lines; a line longer than the budget
is cut at sentence ends, a sentence longer than that at word boundaries. Token counts
come from the model's own tokenizer (`Embedder.count_tokens`).
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_SPACE = re.compile(r"\s+")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _counter(embedder) -> Callable[[list[str]], list[int]]:
    many = getattr(embedder, "count_tokens_many", None)
    if many is not None:
        return many
    return lambda texts: [embedder.count_tokens(t) for t in texts]


def _cut_words(piece: str, budget: int, count_many) -> list[tuple[str, int]]:
    words = piece.split()
    counts = count_many(words)
    out: list[tuple[str, int]] = []
    current: list[str] = []
    used = 0
    for word, n in zip(words, counts):
        if current and used + n > budget:
            out.append((" ".join(current), used))
            current, used = [], 0
        current.append(word)
        used += n
    if current:
        out.append((" ".join(current), used))
    return out


def _units(lines: list[str], budget: int, count_many) -> list[tuple[str, int]]:
    """Lines (or pieces of over-long lines) with their token counts."""
    units: list[tuple[str, int]] = []
    for line, n in zip(lines, count_many(lines)):
        if n <= budget:
            units.append((line, n))
            continue
        sentences = [s for s in _SENTENCE_END.split(line) if s.strip()]
        for sentence, m in zip(sentences, count_many(sentences)):
            units.extend([(sentence, m)] if m <= budget else _cut_words(sentence, budget, count_many))
    return units


def cut_point(title: str) -> int:
    """Where the rest of a first line starts after its title, cut with "…" (see
    archive.text.title_of): at the start of the word the cut went through."""
    kept = title[:-1]
    return kept.rfind(" ") + 1 if " " in kept else len(kept)


def split_post(title: str, text: str, embedder, max_tokens: int | None = None) -> list[str]:
    """The passages of a post, each within the embedder's token budget, title first."""
    count_many = _counter(embedder)
    max_tokens = max_tokens or embedder.max_tokens
    lines = [_SPACE.sub(" ", line).strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    title = _SPACE.sub(" ", title or "").strip()
    if not lines:
        return [title] if title else []
    # The title is usually the first line, or its start cut at 120 characters: do not
    # repeat it in the body, but keep the rest of a long first line.
    first = lines[0].lstrip("#").strip()
    body = lines
    if title and first == title:
        body = lines[1:]
    elif title.endswith("…") and first.startswith(title[:-1]):
        rest = first[cut_point(title):].strip()  # from the word the cut split
        body = ([rest] if rest else []) + lines[1:]
    if title:
        title_tokens = count_many([title])[0]
        if title_tokens > max_tokens // 3:
            title = _cut_words(title, max_tokens // 3, count_many)[0][0] + "…"
            title_tokens = count_many([title])[0]
        budget = max(8, max_tokens - title_tokens - 1)
    else:
        budget = max_tokens
    if not body:
        return [title]
    passages: list[str] = []
    current: list[str] = []
    used = 0
    for unit, n in _units(body, budget, count_many):
        if current and used + n + 1 > budget:
            passages.append("\n".join(current))
            current, used = [], 0
        current.append(unit)
        used += n + (1 if len(current) > 1 else 0)
    if current:
        passages.append("\n".join(current))
    return [f"{title}\n{p}" if title else p for p in passages]
