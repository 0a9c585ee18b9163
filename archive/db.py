"""The database: one SQLite file, its schema applied once, when it opens.

Schema. Named migration sets (archive/migrations.py). `open_db(path, *extra_sets)` applies
the archive's sets, then the caller's (the bot adds its own), all in one write
transaction, so two processes opening a new file one beside the other do not race. No
other code applies migrations.

Threads: one connection per thread. A sqlite3 connection carries one transaction: two
threads sharing it would commit or roll back each other's half-written batches, and a
reader would see a writer's uncommitted rows. With a connection each, in WAL mode, a
reader reads a consistent snapshot while a writer works and never waits for it; writers,
in this process or another (`keeper import` beside the running bot), queue on SQLite's
write lock: every write is a `transaction(db)` (BEGIN IMMEDIATE, so the lock is taken
before anything is read) and the busy timeout lets it wait its turn. `Archive.db` gives
each thread its own connection. The one exception is an in-memory database: it exists
only inside its connection, so it has just one (tests and notebooks, one thread at a time).
Connections are opened with check_same_thread=False only so that `Archive.close()` can
close every thread's connection from one thread.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator

import sqlite_utils
from sqlite_utils import Migrations

from archive.migrations import ARCHIVE_SETS

DEFAULT_DB = "data/keeper.db"
BUSY_TIMEOUT_SECONDS = 60.0  # how long a writer waits for another's transaction


class WriterBusy(RuntimeError):
    """Another process is importing into (or reindexing) the same database."""

    def __init__(self, task: str, pid: int | None):
        super().__init__(f"another {task} is running" + (f" (pid {pid})" if pid else "")
                         + "; try again when it has finished")
        self.task, self.pid = task, pid


class MissingDatabase(FileNotFoundError):
    """A command that only reads was pointed at a database that does not exist."""

    def __init__(self, path: Path):
        super().__init__(f"no database at {path} (run `keeper import` first, or check --db / KEEPER_DB)")
        self.path = path

    def __str__(self) -> str:
        return self.args[0]


def default_path() -> str:
    return os.environ.get("KEEPER_DB") or DEFAULT_DB


def is_memory(path: str | Path) -> bool:
    return str(path) in (":memory:", "")


def path_of(db: sqlite_utils.Database) -> str:
    """The file behind a connection; ":memory:" for an in-memory database."""
    return db.execute("PRAGMA database_list").fetchone()[2] or ":memory:"


def connect(path: str | Path, create: bool = True) -> sqlite_utils.Database:
    """A new connection with the house settings; no schema work.

    With `create=False` a missing file is a MissingDatabase error and nothing is created
    (no file, no folder).
    """
    memory = is_memory(path)
    path = Path(path)
    if memory:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    elif create:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    else:
        if not path.is_file():
            raise MissingDatabase(path)
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True,
                               timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    if not memory:
        db.execute("PRAGMA journal_mode=WAL")  # after the busy timeout: it may wait for a lock
    db.execute("PRAGMA foreign_keys=ON")
    return db


def open_db(path: str | Path | None = None, *extra_sets: Migrations,
            create: bool = True) -> sqlite_utils.Database:
    """Open (creating it unless `create=False`) the database and bring its schema up to
    date: the archive's migration sets first, then `extra_sets`."""
    db = connect(path or default_path(), create=create)
    try:
        migrate(db, (*ARCHIVE_SETS, *extra_sets))
    except BaseException:
        db.close()
        raise
    return db


def migrate(db: sqlite_utils.Database, sets) -> None:
    """Apply what is pending of `sets`, in one transaction (a no-op read when current)."""
    if not any(s.pending(db) for s in sets):
        return
    with transaction(db):  # waits for a concurrent opener, which may have done the work
        for migrations in sets:
            migrations.apply(db)


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction: all of it or none of it.

    BEGIN IMMEDIATE takes the write lock first, so nothing read inside is stale; inside
    another transaction this is a savepoint (rolled back alone on error).
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"keeper_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- one bulk writer at a time ----------------------------------------------------------------
# Imports, reindexing and repairs write for minutes; two at once would interleave their
# batches and fight for the write lock. Each holds an advisory lock on <database>.lock
# (flock: the kernel drops it when the process dies, even by kill -9) that names its pid.
# Live writes (the bot's) do not take it: they are short transactions that simply queue.
_held: dict[str, int] = {}  # lock path -> depth, for nesting within one process
_held_guard = threading.Lock()


@contextlib.contextmanager
def writer_lock(db_path: str | Path, task: str) -> Iterator[None]:
    """Be the only bulk writer (`task`: "import", "reindex", "repair") of a database file.

    Raises WriterBusy naming the other process. Nests within one process. The lock
    file is removed on release.
    """
    if is_memory(db_path):
        yield
        return
    lock_path = os.path.abspath(f"{db_path}.lock")
    with _held_guard:
        nested = lock_path in _held
        if nested:
            _held[lock_path] += 1
    if not nested:
        fd = _acquire(lock_path, task)
        with _held_guard:
            _held[lock_path] = 1
    try:
        yield
    finally:
        with _held_guard:
            _held[lock_path] -= 1
            last = not _held[lock_path]
            if last:
                del _held[lock_path]
        if last:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path)
            os.close(fd)


def _holder(fd: int) -> list[str]:
    """[pid, task] from a held lock file (its holder writes them just after locking)."""
    for _ in range(100):
        words = os.pread(fd, 200, 0).decode(errors="replace").split()
        if len(words) >= 2:
            return words
        time.sleep(0.01)
    return []


def _acquire(lock_path: str, task: str) -> int:
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            pid = int(holder[0]) if holder and holder[0].isdigit() else None
            raise WriterBusy(holder[1] if len(holder) > 1 else task, pid) from None
        try:
            if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)  # the previous holder removed this file as we opened it: take a fresh one
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()} {task}\n".encode())
    return fd
