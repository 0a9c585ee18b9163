"""Keeping the archive whole: `check` what is inconsistent, `repair` it, `reindex` everything.

What a check looks for: post rows whose write never finished (placeholders), posts
without their full-text row and full-text rows of no post, posts not yet split into
passages for the model and passages without a vector, and imports that did not finish.
Writes are atomic, so on a healthy archive only the vector counts move (an import
embeds after it writes) and only until the embedding finishes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from archive.db import writer_lock
from archive.vectors import embed_pending, missing
from archive.vectors import reindex as reindex_vectors


@dataclass
class Health:
    posts: int = 0
    placeholders: int = 0       # post rows whose write never finished
    missing_text: int = 0       # posts without their full-text row
    stray_text: int = 0         # full-text rows of no post
    model: str | None = None
    unsplit: int = 0            # posts not (re)split into passages for `model`
    missing_vectors: int = 0    # passages of `model` without a vector
    unfinished_imports: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.placeholders:
            found.append(f"{self.placeholders} posts whose write never finished")
        if self.missing_text:
            found.append(f"{self.missing_text} posts missing from full-text search")
        if self.stray_text:
            found.append(f"{self.stray_text} full-text rows of posts that do not exist")
        if self.unsplit:
            found.append(f"{self.unsplit} posts not split into passages for {self.model}")
        if self.missing_vectors:
            found.append(f"{self.missing_vectors} passages without a vector for {self.model}")
        return found + self.unfinished_imports

    @property
    def ok(self) -> bool:
        return not self.problems


def check(archive, model: str | None) -> Health:
    """What is inconsistent (read only); vectors are checked for `model` when given."""
    db = archive.db
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    health = Health(
        posts=archive.count(),
        placeholders=one("SELECT COUNT(*) FROM posts WHERE content_hash IS NULL"),
        missing_text=one("SELECT COUNT(*) FROM posts p WHERE content_hash IS NOT NULL "
                         "AND NOT EXISTS (SELECT 1 FROM posts_fts f WHERE f.rowid = p.id)"),
        stray_text=one("SELECT COUNT(*) FROM posts_fts WHERE rowid NOT IN "
                       "(SELECT id FROM posts WHERE content_hash IS NOT NULL)"),
        model=model)
    if model:
        lacking = missing(archive, model)
        health.unsplit, health.missing_vectors = lacking["posts"], lacking["passages"]
    for path, chat, status, done in db.execute(
            "SELECT path, chat_title, status, messages_done FROM imports WHERE status != 'done' ORDER BY id"):
        health.unfinished_imports.append(
            f"the import of {path} ({chat}) is {status} after {done or 0} messages: "
            f"run `keeper import {path}` again to finish it")
    return health


def repair(archive, model: str, load_embedder: Callable[[], object]) -> list[str]:
    """Fix what a check finds, as far as the archive itself allows; says what it did.

    Missing vectors of `model` are encoded with `load_embedder()`, called only if there
    is something to encode. Unfinished imports need their export file: they are reported
    by `check`, not repaired. Raises WriterBusy while an import is running.
    """
    done: list[str] = []
    with writer_lock(archive.path, "repair"):
        rebuilt, dropped = archive.complete_unfinished()
        if rebuilt:
            done.append(f"rebuilt {rebuilt} unfinished posts from their parts")
        if dropped:
            done.append(f"removed {dropped} unfinished posts that had no parts (importing again restores them)")
        added, removed = archive.index_missing_text()
        if added:
            done.append(f"added {added} posts to full-text search")
        if removed:
            done.append(f"removed {removed} full-text rows of posts that do not exist")
        lacking = missing(archive, model)
        if lacking["posts"] or lacking["passages"]:
            encoded = embed_pending(archive, load_embedder())
            done.append(f"split {lacking['posts']} posts and encoded {encoded} passages for {model}")
    return done


def reindex(archive, embedder, force: bool = False, progress: bool = False) -> tuple[int, int]:
    """Rebuild full text for every post, then re-split every post for the model and
    encode what has no vector (`force`: re-encode all). Returns (posts, passages encoded)."""
    with writer_lock(archive.path, "reindex"):
        posts = archive.rebuild_full_text()
        return posts, reindex_vectors(archive, embedder, force=force, progress=progress)
