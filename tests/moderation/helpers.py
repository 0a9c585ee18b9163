"""Helpers for the moderation library's tests."""
from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from moderation import migrate


def moderation_db(path: str | Path) -> Database:
    """The database at `path` with the moderation schema, as the application opens it."""
    db = Database(path)
    migrate(db)
    return db
