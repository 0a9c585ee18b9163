"""Snippets: a short, clean excerpt of a post around the query's words.

The excerpt is plain text (markdown marks such as `# ` headings and `**bold**` removed),
never just the title again (the title line is left out; a post with nothing beside its
title has no snippet), and the matched words come as data: offsets into the text, and
<b> in the HTML form. The work per post is bounded whatever its size: only the first
SCAN_CHARS characters and the first MAX_MATCHES matches are looked at.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from archive import fts
from archive.passages import cut_point

SNIPPET_CHARS = 240
SCAN_CHARS = 20_000
MAX_MATCHES = 200

_TOKEN = re.compile(r"\w+", re.UNICODE)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.MULTILINE)
_MARKS = re.compile(r"\*\*|__|~~|`+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Snippet:
    text: str
    html: str
    highlights: tuple[tuple[int, int], ...] = ()  # [start, end) of matched words in `text`


def query_stems(query: str) -> set[str]:
    """The index terms of a query's informative words (no family lookup: see archive.fts)."""
    return {fts.stem(w) for w in fts.words(query) if fts.informative(w)}


def clean_text(text: str, title: str = "") -> str:
    """The post's text without its title line and markdown marks, on one line."""
    text = (text or "")[:SCAN_CHARS]
    title = _SPACE.sub(" ", title or "").strip()
    if title:
        lines = text.lstrip().split("\n", 1)
        first = _SPACE.sub(" ", lines[0].strip().lstrip("#")).strip()
        rest = lines[1] if len(lines) > 1 else ""
        if first == title:
            text = rest
        elif title.endswith("…") and first.startswith(title[:-1]):
            text = first[cut_point(title):] + "\n" + rest
    text = _MARKS.sub("", _HEADING.sub("", text))
    return _SPACE.sub(" ", text).strip()


def _matches(text: str, stems: set[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    if not stems:
        return found
    for m in _TOKEN.finditer(text):
        stem = fts.stem(m.group().lower().replace("ё", "е"))
        if stem in stems:
            found.append((m.start(), m.end(), stem))
            if len(found) >= MAX_MATCHES:
                break
    return found


def _window(text: str, matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The `width` characters holding the most distinct matched words (linear time)."""
    best, best_start = -1, 0
    counts: dict[str, int] = {}
    right = 0
    for left, (start, _, _) in enumerate(matches):
        lo = max(0, start - width // 5)
        while right < len(matches) and matches[right][1] <= lo + width:
            counts[matches[right][2]] = counts.get(matches[right][2], 0) + 1
            right += 1
        distinct = sum(1 for n in counts.values() if n)
        if distinct > best:
            best, best_start = distinct, lo
        if left < right:
            counts[matches[left][2]] -= 1
    lo = best_start if best_start > width // 4 else 0
    hi = min(len(text), lo + width)
    if hi == len(text):
        lo = max(0, hi - width)
    return _snap(text, lo, hi)


def _snap(text: str, lo: int, hi: int) -> tuple[int, int]:
    """Move the window's ends to word boundaries."""
    if lo > 0:
        space = text.rfind(" ", max(0, lo - 20), lo + 1)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > lo + (hi - lo) // 2 else hi
    return lo, hi


def _focus_window(text: str, focus: str | None, width: int) -> tuple[int, int]:
    probe = clean_text(focus or "")[:60]
    at = text.find(probe) if probe else -1
    lo = at if at > width // 2 else 0
    return _snap(text, lo, min(len(text), lo + width))


def make_snippet(text: str, query: str | set[str], *, title: str = "", focus: str | None = None,
                 width: int = SNIPPET_CHARS) -> Snippet:
    """An excerpt of `text` around the query's words (a query string, or the index terms
    to match), the matches marked.

    Words match by stem, so inflections match. With no word match the excerpt starts at
    `focus` (e.g. the best dense passage) if found, else at the start.
    """
    flat = clean_text(text, title)
    if not flat:
        return Snippet("", "")
    stems = query_stems(query) if isinstance(query, str) else set(query)
    matches = _matches(flat, stems)
    if len(flat) <= width:
        lo, hi = 0, len(flat)
    elif matches:
        lo, hi = _window(flat, matches, width)
    else:
        lo, hi = _focus_window(flat, focus, width)
    plain, rich, marks = [], [], []
    size = 0

    def add(piece: str, bold: bool = False) -> None:
        nonlocal size
        if bold:
            marks.append((size, size + len(piece)))
        plain.append(piece)
        escaped = html.escape(piece, quote=False)
        rich.append(f"<b>{escaped}</b>" if bold else escaped)
        size += len(piece)

    if lo > 0:
        add("…")
    pos = lo
    for a, b, _ in matches:
        if a < lo or b > hi:
            continue
        add(flat[pos:a])
        add(flat[a:b], bold=True)
        pos = b
    add(flat[pos:hi])
    if hi < len(flat):
        add("…")
    return Snippet("".join(plain), "".join(rich), tuple(marks))
