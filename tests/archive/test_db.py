"""Opening the database: the whole schema at once, a connection per thread, closing."""
from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlite_utils import Migrations

from archive.db import MissingDatabase, open_db
from archive.models import IncomingPost
from archive.store import Archive


def applied(db) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in db.execute("SELECT migration_set, name FROM _sqlite_migrations")}


def test_opening_applies_every_archive_migration_then_the_callers(tmp_path):
    extra = Migrations("extra")

    @extra()
    def m001_notes(db):
        db["notes"].create({"id": int, "post_id": int}, pk="id", foreign_keys=[("post_id", "posts", "id")])

    db = open_db(tmp_path / "k.db", extra)
    assert {("archive", "m001_posts"), ("archive", "m002_imports"), ("archive_vectors", "m001_vectors"),
            ("extra", "m001_notes")} <= applied(db)
    assert {"posts", "posts_fts", "passages", "embeddings", "notes"} <= set(db.table_names())
    db.close()


def test_an_existing_database_opens_without_migrating_again(tmp_path):
    with Archive(tmp_path / "k.db") as archive:
        archive.write(IncomingPost(1, 1, 1_720_000_000, "первый пост"))
        before = archive.db.execute("SELECT applied_at FROM _sqlite_migrations ORDER BY id").fetchall()
    with Archive(tmp_path / "k.db") as archive:
        assert archive.count() == 1
        assert archive.db.execute("SELECT applied_at FROM _sqlite_migrations ORDER BY id").fetchall() == before


def test_a_database_given_as_a_connection_is_adopted(tmp_path):
    db = open_db(tmp_path / "k.db")
    with Archive(db) as archive:
        assert archive.db is db
        archive.write(IncomingPost(1, 1, 1_720_000_000, "пост"))
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")


def test_each_thread_writes_through_its_own_connection(tmp_path):
    with Archive(tmp_path / "k.db") as archive:
        def write(n: int):
            archive.write(IncomingPost(1, n, 1_720_000_000 + n, f"пост номер {n}"))
            return id(archive.db)

        with ThreadPoolExecutor(4) as pool:
            connections = set(pool.map(write, range(1, 41)))
        assert id(archive.db) not in connections and len(connections) >= 1
        assert archive.count() == 40
        assert [p.message_id for p in archive.posts(newest_first=False)] == list(range(1, 41))


def test_close_closes_every_threads_connection(tmp_path):
    archive = Archive(tmp_path / "k.db")
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(lambda: archive.db).result()
    mine = archive.db
    archive.close()
    for db in (mine, other):
        with pytest.raises(sqlite3.ProgrammingError):
            db.execute("SELECT 1")


def test_a_reader_on_a_missing_database_creates_nothing(tmp_path):
    path = tmp_path / "typo_dir" / "k.db"
    with pytest.raises(MissingDatabase, match="no database at"):
        Archive(path, create=False)
    assert not (tmp_path / "typo_dir").exists()
