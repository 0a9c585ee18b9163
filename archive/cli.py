"""The archive's commands (import, search, reindex, stats, demo): a thin click layer, one
library call per command. The application's entry point (keeper/cli.py) adds them to the
`keeper` command; the archive itself knows nothing of the bot."""
from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from archive.db import default_path
from archive.embeddings import ENV_MODEL, ModelLoadError
from archive.dates import DEFAULT_TZ
from archive.export_stream import ExportError
from archive.query import day_start, parse_period, until_bound
from archive.sample import sample_export_path


class _Errors:
    """Turn the library's expected failures into one-line messages with exit code 1."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, (click.exceptions.Exit, click.ClickException, click.Abort)):
            return False
        if isinstance(exc, (ModelLoadError, ExportError)):
            raise click.ClickException(str(exc)) from None
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename}") from None
        return False


def _open(db: str | None):
    from archive.store import Archive
    return Archive(db or default_path())


def _iso(ts: int | None) -> str | None:
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat() if ts is not None else None


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
                            help=f"Embedding model: offline, a local path or a Hugging Face id (env {ENV_MODEL}).")


@click.group(name="archive")
def cli():
    """The archive on its own: import, search, reindex, stats, demo."""


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
    """Import a Telegram Desktop export (result.json) and embed the new posts."""
    with _Errors():
        from archive.embeddings import load_embedder
        with _open(db) as archive:
            report = _import(archive, export, chat, channel_username, lambda: load_embedder(model))
        click.echo(f"imported {export}: {report.summary()}; passages encoded: {report.passages_encoded} "
                   f"({report.model})")


@cli.command("search")
@click.argument("query")
@click.option("--mode", type=click.Choice(["hybrid", "fts", "dense"]), default="hybrid", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
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
        embedder = load_embedder(model) if mode != "fts" else None
        with _open(db) as archive:
            page = search(archive, query, mode=mode, limit=limit, offset=offset,
                          since=day_start(first[0], tz) if first else None,
                          until=until_bound(last[1], tz) if last else None, hashtag=hashtag, embedder=embedder)
        for warning in page.warnings:
            click.echo(f"warning: {warning}", err=True)
        for hit in page.hits:
            if as_json:
                click.echo(json.dumps({
                    "post_id": hit.post_id, "message_id": hit.message_id, "score": round(hit.score, 6),
                    "title": hit.title, "snippet": hit.snippet, "url": hit.url, "date": _iso(hit.date),
                    "hashtags": hit.hashtags}, ensure_ascii=False))
            else:
                click.echo(f"{hit.score:8.4f}  {_iso(hit.date)[:10]}  {hit.title}\n"
                           f"          {hit.url}\n          {hit.snippet}\n")
        if not page.hits and not as_json:
            click.echo("nothing found")


@cli.command("reindex")
@click.option("--force", is_flag=True, help="Also re-encode text that already has a vector.")
@db_option
@model_option
def reindex_command(force, db, model):
    """Re-split every post and encode what the active model lacks."""
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.vectors import reindex
        embedder = load_embedder(model)
        with _open(db) as archive:
            encoded = reindex(archive, embedder, force=force, progress=sys.stderr.isatty())
        click.echo(f"reindexed for {embedder.name}: {encoded} passages encoded")


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
        with tempfile.TemporaryDirectory() as tmp, _open(db or Path(tmp) / "demo.db") as archive:
            report = _import(archive, export, None, "boris_again", embedder, quiet=True)
            click.echo(f"imported {export.name}: {report.summary()}; {report.passages_encoded} passages "
                       f"encoded with {embedder.name}")
            page = search(archive, query, embedder=embedder, limit=5)
            click.echo(f"search {query!r} (hybrid, {page.timings['total']:.0f} ms):")
            for i, hit in enumerate(page.hits, 1):
                click.echo(f"{i}. {hit.title}\n   {hit.url}\n   {hit.snippet}")
