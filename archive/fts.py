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


# Ranking costs ~1.5 us per matching document. A query whose words occur in more
# documents than this (summed) skips its stopwords and first tries to match all words.
COSTLY_DOCS = 20_000


def match_expression(query: str, operator: str = "OR") -> str | None:
    """A safe FTS5 MATCH expression for free user text, or None if it has no words."""
    return _expression(list(dict.fromkeys(stem(w) for w in words(query))), operator)


def _expression(stems: list[str], operator: str = "OR") -> str | None:
    return f" {operator} ".join(f'"{s}"' for s in stems) or None


def _document_counts(db, stems: list[str]) -> tuple[dict[str, int], int]:
    """({stem: documents containing it}, documents in the index)."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.posts_fts_terms USING fts5vocab(main, posts_fts, row)")
    marks = ",".join("?" * len(stems))
    found = dict(db.execute(f"SELECT term, doc FROM temp.posts_fts_terms WHERE term IN ({marks})", stems).fetchall())
    total = db.execute("SELECT COUNT(*) FROM posts_fts_docsize").fetchone()[0]
    return {s: found.get(s, 0) for s in stems}, total


def useful_stems(db, stems: list[str]) -> tuple[list[str], int]:
    """The stems worth matching, and how many documents they occur in (summed).

    Stems in no document are dropped. When matching is costly, so are stems in more than
    half of the documents: FTS5's BM25 gives those an idf of ~0 (log((N - n + 0.5) /
    (n + 0.5)) <= 0 is clamped to 1e-6), so they barely move the ranking and only add
    work: they are this archive's stopwords ("и", "the"). If every stem is that common,
    all are kept. (Cheap queries keep them: on small archives the near-zero matches
    still shape the score normalisation of hybrid fusion.)
    """
    counts, total = _document_counts(db, stems)
    kept = [s for s in stems if counts[s]]
    if sum(counts[s] for s in kept) > COSTLY_DOCS:
        kept = [s for s in kept if counts[s] * 2 <= total] or kept
    return kept, sum(counts[s] for s in kept)


def index_post(db, post_id: int, title: str, body: str) -> None:
    db.execute("DELETE FROM posts_fts WHERE rowid = ?", [post_id])
    db.execute(
        "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
        [post_id, stem_text(title), stem_text(body)],
    )


def search(db, query: str, limit: int = 50, post_ids_sql: str | None = None,
           params: list | None = None) -> list[tuple[int, float]]:
    """(post id, score) best first; higher score is better. Optional filter subquery.

    Ranks posts having any of the query's useful words (see `useful_stems`) by BM25;
    when those words are common, posts having all of them are tried first and are the
    answer if there are at least `limit` of them (they hold the top of the ranking).
    """
    stems, documents = useful_stems(db, list(dict.fromkeys(stem(w) for w in words(query))))
    if not stems:
        return []
    where = "posts_fts MATCH ?"
    args: list = []
    if post_ids_sql:
        where += f" AND rowid IN ({post_ids_sql})"
        args += params or []
    sql = f"SELECT rowid, bm25(posts_fts, 2.0, 1.0) AS rank FROM posts_fts WHERE {where} ORDER BY rank LIMIT ?"
    rows = []
    if len(stems) > 1 and documents > COSTLY_DOCS:
        rows = db.execute(sql, [_expression(stems, "AND"), *args, limit]).fetchall()
    if len(rows) < limit:
        rows = db.execute(sql, [_expression(stems), *args, limit]).fetchall()
    return [(rowid, -rank) for rowid, rank in rows]
