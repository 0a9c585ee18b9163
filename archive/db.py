"""Opening the database: one SQLite file, schema as named migration sets."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

DEFAULT_DB = "data/keeper.db"


def default_path() -> str:
    return os.environ.get("KEEPER_DB") or DEFAULT_DB


def open_db(path: str | Path | None = None, *migration_sets: Migrations) -> sqlite_utils.Database:
    """Open (creating if needed) the database and apply the given migration sets."""
    path = Path(path or default_path())
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # The bot reads and writes from worker threads too; callers serialise transactions.
    conn = sqlite3.connect(str(path), check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA foreign_keys=ON")
    for migrations in migration_sets:
        migrations.apply(db)
    return db
