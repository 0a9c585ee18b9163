"""Full-text search with Russian and English stemming on plain SQLite FTS5.

Python's sqlite3 cannot load a stemming tokenizer, so the index stores stemmed
words and queries are stemmed the same way. User input never reaches FTS5 syntax:
only word tokens survive, each quoted.

Russian word families. Snowball stems inflections (шахматы, шахматам -> шахмат) but keeps
derivational suffixes, so the noun and its adjective stay apart (шахматных -> шахматн).
A Russian query word therefore matches its *family*: the index's terms made of its root
plus one of a few adjective-forming suffixes (-н-, -нн-, -ьн-, -ов-, -ев-, -ск-), where the
root is the stem with such a suffix removed when the word reads as an adjective. The family
is looked up in the index's own vocabulary, so only terms that occur join, and a root of
fewer than four letters joins nothing (bench/retrieval.py prints the effect). A Russian word
the index holds in no form at all falls back to its kin: the terms sharing its stem less a
derivational ending (квантование -> квантизации; see _kin). English keeps plain stemming.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
_ru = Stemmer.Stemmer("russian")
_en = Stemmer.Stemmer("english")

# Words that say nothing about a post: never a reason to show it (the commonest Russian
# and English function words; folded ё -> е like everything else).
STOPWORDS = frozenset("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
было вот от меня еще нет о об из ему когда даже ну ли если уже или ни быть был него до вас вам
ведь там потом себя ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без
чего раз тоже себе под будет ж тогда кто этот того потому этого какой здесь этом мой тем чтобы
нее были куда зачем всех можно при хоть после над через эти нас про всего них какая эту моя
этой перед им это эта эти же ли бы при
a an the and or of to in on for with as at by from is are was were be been it its this that
these those not no but if then than so such into about over also can do does did i you he
she we they me my your our their his her them what which who whom how why when where there
here all any each some more most other very just only own same too via vs
""".split())

# Adjective-forming suffixes a Russian root may carry (longest first).
_SUFFIXES = ("ьн", "нн", "ов", "ев", "ск", "н")
_ADJECTIVE_ENDINGS = ("ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие", "ых", "их", "ым", "им",
                      "ыми", "ими", "ого", "его", "ому", "ему", "ую", "юю")
_MIN_ROOT = 4
_KIN_PREFIX, _KIN_TERMS = 5, 8  # see _kin
FAMILIES = True  # bench/retrieval.py turns families off to measure what they bring


def words(text: str) -> list[str]:
    """Lower-cased word tokens (ё folded to е)."""
    return [w for w in _WORD.findall(text.lower().replace("ё", "е")) if not w.isdigit() or len(w) > 1]


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return (_ru if _CYRILLIC.search(word) else _en).stemWord(word)


_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)


def stem_text(text: str) -> str:
    return " ".join(stem(w) for w in words(text))


def informative(word: str) -> bool:
    """A word that can be a reason to show a post: not a function word (nor a word
    stemmed like one: Snowball makes "на" of "наев"), not a lone letter."""
    return len(word) > 1 and word not in STOPWORDS and stem(word) not in _STOP_STEMS


@lru_cache(maxsize=20_000)
def root(word: str) -> str | None:
    """The root a Russian word's family shares, or None (English, or too short to join)."""
    if not _CYRILLIC.search(word):
        return None
    base = stem(word)
    if word.endswith(_ADJECTIVE_ENDINGS):
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= _MIN_ROOT:
                base = base[:-len(suffix)]
                break
    return base if len(base) >= _MIN_ROOT else None


@dataclass(frozen=True)
class Term:
    """One query word: the index terms it matches and how many documents hold any of them."""

    word: str
    stems: tuple[str, ...]
    documents: int
    idf: float

    @property
    def found(self) -> bool:
        return self.documents > 0


def _vocabulary(db):
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.posts_fts_terms USING fts5vocab(main, posts_fts, row)")


def _family(db, word: str) -> dict[str, int]:
    """{index term: documents} for the word's stem and, in Russian, its family."""
    own = stem(word)
    base = root(word) if FAMILIES else None
    wanted = {own}
    if base:
        wanted |= {base} | {base + s for s in _SUFFIXES}
    marks = ",".join("?" * len(wanted))
    found = dict(db.execute(f"SELECT term, doc FROM temp.posts_fts_terms WHERE term IN ({marks})",
                            sorted(wanted)).fetchall())
    return found or (_kin(db, own) if base else {})


def _kin(db, own: str) -> dict[str, int]:
    """For a Russian word the index holds in no form: the index terms that share its stem
    less a derivational ending of up to four letters, the most common first (квантование
    finds квантизации by квант-). Only stems of eight letters and more, so the shared
    prefix keeps at least five and quantum (квантов-) does not turn into quantization."""
    if len(own) < _KIN_PREFIX + 3:
        return {}
    prefix = own[:max(_KIN_PREFIX, len(own) - 4)]
    return dict(db.execute("SELECT term, doc FROM temp.posts_fts_terms WHERE term >= ? AND term < ? "
                           "ORDER BY doc DESC LIMIT ?", [prefix, prefix + "\uffff", _KIN_TERMS]).fetchall())


def query_terms(db, query: str, limit: int = 64, total: int | None = None) -> list[Term]:
    """The query's informative words (at most `limit`, in order) as index terms.

    A word the archive does not hold keeps its stem and `documents == 0`: it still counts
    in how much of the query a post can hold (a half-matched query ranks below a full match).
    """
    _vocabulary(db)
    total = documents_total(db) if total is None else total
    seen, terms = set(), []
    for word in words(query):
        if not informative(word) or word in seen:
            continue
        seen.add(word)
        found = _family(db, word)
        stems = tuple(sorted(found, key=lambda s: (s != stem(word), s))) or (stem(word),)
        documents = min(total, sum(found.values()))  # an upper bound when a family has several terms
        terms.append(Term(word, stems, documents, _idf(documents, total)))
        if len(terms) >= limit:
            break
    return terms


def _idf(documents: int, total: int) -> float:
    return math.log(1 + (total - documents + 0.5) / (documents + 0.5))


def documents_total(db) -> int:
    return db.execute("SELECT COUNT(*) FROM posts_fts_docsize").fetchone()[0]


# Ranking costs ~1.5 us per matching document. A query whose words occur in more
# documents than this (summed) skips its stopwords and first tries to match all words.
COSTLY_DOCS = 20_000


def _expression(groups: list[tuple[str, ...]], operator: str = "OR") -> str | None:
    parts = []
    for stems in groups:
        alternatives = " OR ".join(f'"{s}"' for s in stems)
        parts.append(f"({alternatives})" if len(stems) > 1 else alternatives)
    return f" {operator} ".join(parts) or None


def match_expression(query: str, operator: str = "OR") -> str | None:
    """A safe FTS5 MATCH expression for free user text, or None if it has no words."""
    return _expression([(s,) for s in dict.fromkeys(stem(w) for w in words(query))], operator)


def useful_terms(terms: list[Term], total: int) -> list[Term]:
    """The terms worth matching: those some document holds; when matching is costly, not
    those in more than half of the documents either (BM25 gives them an idf of ~0, so they
    barely move the ranking and only add work), unless every term is that common."""
    kept = [t for t in terms if t.found]
    if sum(t.documents for t in kept) > COSTLY_DOCS:
        kept = [t for t in kept if t.documents * 2 <= total] or kept
    return kept


def index_post(db, post_id: int, title: str, body: str) -> None:
    db.execute("DELETE FROM posts_fts WHERE rowid = ?", [post_id])
    db.execute(
        "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
        [post_id, stem_text(title), stem_text(body)],
    )


def match(db, terms: list[Term], limit: int = 50, post_ids_sql: str | None = None,
          params: list | None = None, total: int | None = None) -> list[tuple[int, float]]:
    """(post id, BM25 score) best first for documents holding any useful term.

    When those terms are common, documents holding all of them are tried first and are
    the answer if there are at least `limit` of them (they hold the top of the ranking).
    """
    terms = useful_terms(terms, documents_total(db) if total is None else total)
    if not terms:
        return []
    where = "posts_fts MATCH ?"
    args: list = []
    if post_ids_sql:
        where += f" AND rowid IN ({post_ids_sql})"
        args += params or []
    sql = f"SELECT rowid, bm25(posts_fts, 2.0, 1.0) AS rank FROM posts_fts WHERE {where} ORDER BY rank LIMIT ?"
    groups = [t.stems for t in terms]
    rows = []
    if len(groups) > 1 and sum(t.documents for t in terms) > COSTLY_DOCS:
        rows = db.execute(sql, [_expression(groups, "AND"), *args, limit]).fetchall()
    if len(rows) < limit:
        rows = db.execute(sql, [_expression(groups), *args, limit]).fetchall()
    return [(rowid, -rank) for rowid, rank in rows]


def all_held(db, terms: list[Term], post_ids_sql: str | None = None, params: list | None = None) -> bool:
    """Whether some post (among the filter's) holds every one of the query's words."""
    if not terms or not all(t.found for t in terms):
        return False
    where = "posts_fts MATCH ?"
    args: list = [_expression([t.stems for t in terms], "AND")]
    if post_ids_sql:
        where += f" AND rowid IN ({post_ids_sql})"
        args += params or []
    return db.execute(f"SELECT 1 FROM posts_fts WHERE {where} LIMIT 1", args).fetchone() is not None


def coverage(terms: list[Term], words_held: set[str]) -> float:
    """The idf-weighted share of the query's words a text holds (0..1)."""
    total = sum(t.idf for t in terms)
    return sum(t.idf for t in terms if t.word in words_held) / total if total else 0.0


def search(db, query: str, limit: int = 50, post_ids_sql: str | None = None,
           params: list | None = None) -> list[tuple[int, float]]:
    """(post id, score) best first for free text; higher score is better."""
    return match(db, query_terms(db, query), limit, post_ids_sql, params)
