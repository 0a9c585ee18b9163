"""Full-text search with Russian and English stemming on plain SQLite FTS5.

Python's sqlite3 cannot load a stemming tokenizer, so the index stores stemmed
words and queries are stemmed the same way. User input never reaches FTS5 syntax:
only word tokens survive, each quoted.
"""
from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
_ru = Stemmer.Stemmer("russian")
_en = Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (ё folded to е)."""
    return [w for w in _WORD.findall(text.lower().replace("ё", "е")) if not w.isdigit() or len(w) > 1]


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return (_ru if _CYRILLIC.search(word) else _en).stemWord(word)


def stem_text(text: str) -> str:
    return " ".join(stem(w) for w in words(text))


def match_expression(query: str) -> str | None:
    """A safe FTS5 MATCH expression for free user text, or None if it has no words."""
    stems = list(dict.fromkeys(stem(w) for w in words(query)))
    if not stems:
        return None
    return " OR ".join(f'"{s}"' for s in stems)


def index_post(db, post_id: int, title: str, body: str) -> None:
    db.execute("DELETE FROM posts_fts WHERE rowid = ?", [post_id])
    db.execute(
        "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
        [post_id, stem_text(title), stem_text(body)],
    )


def search(db, query: str, limit: int = 50, post_ids_sql: str | None = None,
           params: list | None = None) -> list[tuple[int, float]]:
    """(post id, score) best first; higher score is better. Optional filter subquery."""
    expression = match_expression(query)
    if expression is None:
        return []
    where = "posts_fts MATCH ?"
    args: list = [expression]
    if post_ids_sql:
        where += f" AND rowid IN ({post_ids_sql})"
        args += params or []
    rows = db.execute(
        f"SELECT rowid, bm25(posts_fts, 2.0, 1.0) AS rank FROM posts_fts WHERE {where} "
        "ORDER BY rank LIMIT ?",
        [*args, limit],
    ).fetchall()
    return [(rowid, -rank) for rowid, rank in rows]
