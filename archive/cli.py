"""The archive's commands (import, search, reindex, check, stats, demo): a thin click layer,
one library call per command. The application's entry point (keeper/cli.py) adds them to
the `keeper` command; the archive itself knows nothing of the bot.

Every failure a user can cause is one line on stderr and exit code 1 (2 for a bad
option). Commands that only read never create a database; an import that fails before
storing anything leaves no new file behind; the embedding model loads only when a command
encodes something.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from archive.dates import DEFAULT_TZ
from archive.db import MissingDatabase, WriterBusy, default_path, writer_lock
from archive.embeddings import ENV_MODEL, ModelLoadError, checked_storage_name
from archive.export_stream import ExportError, locate
from archive.query import day_start, parse_period, until_bound
from archive.sample import sample_export_path
from archive.search import MAX_OFFSET
from archive.text import clean

SHOWN_SKIPS = 20


class _Errors:
    """Turn the failures a user can cause into one-line messages with exit code 1."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, (click.exceptions.Exit, click.ClickException, click.Abort)):
            return False
        if isinstance(exc, (ModelLoadError, ExportError, MissingDatabase, WriterBusy)):
            raise click.ClickException(str(exc)) from None
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename}") from None
        if isinstance(exc, sqlite3.DatabaseError):
            raise click.ClickException(f"database error: {exc}") from None
        return False


def _open(db: str | None, create: bool = False):
    from archive.store import Archive
    return Archive(db or default_path(), create=create)


@contextlib.contextmanager
def _removed_if_failed(path: Path):
    """Take the import lock on `path`; if what follows fails before storing a post, remove
    the database and the folders this created. (A database that existed, or that holds the
    batches committed before the failure, stays: importing again resumes it.)"""
    made = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with writer_lock(path, "import"):
            existed = path.exists()
            try:
                yield
            except BaseException:
                if not existed and not _holds_posts(path):
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
                raise
    except BaseException:
        for folder in made:  # deepest first; only if left empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _holds_posts(path: Path) -> bool:
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT EXISTS (SELECT 1 FROM posts)").fetchone()[0] == 1
    except sqlite3.Error:
        return False


def _iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    try:
        return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):  # a date stored before imports checked ranges
        return f"{ts} (not a date)"


def _period(value: str | None, option: str) -> tuple[dt.date, dt.date] | None:
    if not value:
        return None
    period = parse_period(value)
    if period is None:
        raise click.BadParameter(f"{value!r} is not a date like 2024-08-01 (or 2024-08, 2024)",
                                 param_hint=option)
    return period


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{name!r} is not a time zone like Europe/Moscow", param_hint="--tz") from None
    return name


db_option = click.option("--db", "db", envvar="KEEPER_DB", default=None,
                         help="SQLite database (env KEEPER_DB, default ./data/keeper.db).")
model_option = click.option("--model", "model", envvar=ENV_MODEL, default=None,
                            help="Embedding model (env {ENV_MODEL}; default: the embedded multilingual one): "
                                 "a sentence-transformers name such as offline (MiniLM), a local path or a "
                                 "Hugging Face id.".replace("{ENV_MODEL}", ENV_MODEL))


@click.group(name="archive")
def cli():
    """The archive on its own: import, search, reindex, check, stats, demo."""


def _import(archive, export: Path, chat, channel_username, embedder, quiet: bool = False):
    """Import and embed; `embedder` may be a function that loads the model (called after the import)."""
    from archive.importer import import_and_embed

    def on_batch(results):
        click.echo(".", nl=False, err=True)

    try:
        return import_and_embed(archive, export, embedder, chat=chat, channel_username=channel_username,
                                on_batch=None if quiet else on_batch, progress=False,
                                embed_progress=not quiet and sys.stderr.isatty())
    finally:
        if not quiet:
            click.echo("", err=True)


@cli.command("import")
@click.argument("export", type=click.Path(path_type=Path))
@click.option("--channel-username", default=None, help="The channel's public @username, for post links.")
@click.option("--chat", default=None, help="Which chat of a full-account export (name or id).")
@db_option
@model_option
def import_command(export, channel_username, chat, db, model):
    """Import a Telegram Desktop export (result.json) and embed the new posts.

    Messages that cannot be stored as they are (a wrong type, a date out of range) are
    skipped and listed; one import runs at a time per database.
    """
    with _Errors():
        from archive.embeddings import load_embedder
        locate(export)  # a missing or unreadable file, or an unknown model, fails before
        checked_storage_name(model)  # anything is created (the model itself loads after the import)
        path = Path(db or default_path())
        with _removed_if_failed(path), _open(path, create=True) as archive:
            report = _import(archive, export, chat, channel_username, lambda: load_embedder(model))
        for reason in report.skip_reasons[:SHOWN_SKIPS]:
            click.echo(f"skipped {reason}", err=True)
        if report.messages_skipped > SHOWN_SKIPS:
            click.echo(f"skipped {report.messages_skipped - SHOWN_SKIPS} more bad messages", err=True)
        click.echo(f"imported {export}: {report.summary()}; passages encoded: {report.passages_encoded} "
                   f"({report.model})")


@cli.command("search")
@click.argument("query")
@click.option("--mode", type=click.Choice(["hybrid", "fts", "dense"]), default="hybrid", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0, MAX_OFFSET), default=0)
@click.option("--since", default=None, help="First day included: YYYY-MM-DD (or YYYY-MM, YYYY).")
@click.option("--until", default=None, help="Last day included: YYYY-MM-DD (or YYYY-MM, YYYY: to its end).")
@click.option("--tz", default=DEFAULT_TZ, envvar="KEEPER_TIMEZONE", show_default=True,
              help="Time zone the days are in (env KEEPER_TIMEZONE).")
@click.option("--hashtag", default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@db_option
@model_option
def search_command(query, mode, limit, offset, since, until, tz, hashtag, as_json, db, model):
    """Search the archive."""
    first, last, tz = _period(since, "--since"), _period(until, "--until"), _zone(tz)
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.search import search
        with _open(db) as archive:
            embedder = load_embedder(model) if mode != "fts" else None
            page = search(archive, clean(query), mode=mode, limit=limit, offset=offset,
                          since=day_start(first[0], tz) if first else None,
                          until=until_bound(last[1], tz) if last else None,
                          hashtag=clean(hashtag) if hashtag else None, embedder=embedder)
        for warning in page.warnings:
            click.echo(f"warning: {warning}", err=True)
        for hit in page.hits:
            if as_json:
                click.echo(json.dumps({
                    "post_id": hit.post_id, "message_id": hit.message_id, "score": round(hit.score, 6),
                    "title": hit.title, "snippet": hit.snippet, "highlights": hit.highlights,
                    "url": hit.url, "date": _iso(hit.date), "hashtags": hit.hashtags}, ensure_ascii=False))
            else:
                click.echo(f"{hit.score:8.4f}  {_iso(hit.date)[:10]}  {hit.title}\n"
                           f"          {hit.url}\n          {_bold(hit.snippet, hit.highlights)}\n")
        if not as_json:
            click.echo(f"{page.total} results" if page.total else
                       "nothing found: try other words (a synonym, the other language)")


@cli.command("reindex")
@click.option("--force", is_flag=True, help="Also re-encode text that already has a vector.")
@db_option
@model_option
def reindex_command(force, db, model):
    """Rebuild full-text search, re-split every post and encode what the model lacks."""
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.upkeep import reindex
        with _open(db) as archive:
            embedder = load_embedder(model)
            posts, encoded = reindex(archive, embedder, force=force, progress=sys.stderr.isatty())
        click.echo(f"reindexed: full text of {posts} posts; {encoded} passages encoded for {embedder.name}")


@cli.command("check")
@click.option("--repair", is_flag=True, help="Fix what can be fixed, and say what was done.")
@db_option
@model_option
def check_command(repair, db, model):
    """Check the archive: every post in full-text search, every passage with its vector.

    Exit code 0 when all is well (or repaired), 1 when problems remain.
    """
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.upkeep import check, repair as repair_archive
        with _open(db) as archive:
            name = checked_storage_name(model)
            if repair:
                for line in repair_archive(archive, name, lambda: load_embedder(model)) or ["nothing to repair"]:
                    click.echo(f"repaired: {line}")
            health = check(archive, name)
        click.echo(f"{health.posts} posts, vectors checked for {name}")
        for problem in health.problems:
            click.echo(f"problem: {problem}")
        if not health.ok:
            raise click.exceptions.Exit(1)
        click.echo("ok")


def _bold(text: str, spans) -> str:
    """The snippet with its matched words in bold (on a terminal; plain elsewhere)."""
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], click.style(text[start:end], bold=True)]
        pos = end
    return "".join(out + [text[pos:]])


def archive_stats(archive) -> dict:
    """Posts, passages and vectors per model, database size, date range."""
    from archive.vectors import stats as vector_stats
    first, last = archive.db.execute(
        "SELECT MIN(date), MAX(date) FROM posts WHERE content_hash IS NOT NULL").fetchone()
    path = archive.db.execute("PRAGMA database_list").fetchone()[2]
    size = sum(Path(p).stat().st_size for p in (path, path + "-wal") if path and Path(p).exists())
    return {"db": path or ":memory:", "posts": archive.count(), "first": _iso(first), "last": _iso(last),
            "bytes": size, "models": vector_stats(archive)}


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True)
@db_option
def stats_command(as_json, db):
    """What the archive holds."""
    with _Errors():
        with _open(db) as archive:
            info = archive_stats(archive)
        if as_json:
            click.echo(json.dumps(info, ensure_ascii=False))
            return
        click.echo(f"database: {info['db']} ({info['bytes'] / 1e6:.1f} MB)")
        click.echo(f"posts: {info['posts']}  from {info['first'] or '-'} to {info['last'] or '-'}")
        if not info["models"]:
            click.echo("vectors: none (run `keeper reindex`)")
        for name, m in info["models"].items():
            click.echo(f"model {name}: {m['passages']} passages, {m['vectors']} vectors (dim {m['dim']})")


@cli.command("demo")
@click.option("--query", default="leakage", show_default=True)
@click.option("--db", "db", default=None, help="Keep the demo database here (default: a temporary one).")
@model_option
def demo_command(query, db, model):
    """Import the sample export and search it."""
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.search import search
        export = sample_export_path()
        embedder = load_embedder(model)
        with tempfile.TemporaryDirectory() as tmp, _open(db or Path(tmp) / "demo.db", create=True) as archive:
            report = _import(archive, export, None, "boris_again", embedder, quiet=True)
            click.echo(f"imported {export.name}: {report.summary()}; {report.passages_encoded} passages "
                       f"encoded with {embedder.name}")
            page = search(archive, clean(query), embedder=embedder, limit=5)
            click.echo(f"search {query!r} (hybrid, {page.timings['total']:.0f} ms):")
            for i, hit in enumerate(page.hits, 1):
                click.echo(f"{i}. {hit.title}\n   {hit.url}\n   {hit.snippet}")
