"""The archive's commands (import, search, reindex, stats, demo): a thin click layer, one
library call per command. The application's entry point (keeper/cli.py) adds them to the
`keeper` command; the archive itself knows nothing of the bot."""
from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import click

from archive.db import default_path
from archive.embeddings import ENV_MODEL, ModelLoadError
from archive.export_stream import ExportError
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
    from archive.vectors import ensure_schema
    archive = Archive(db or default_path())
    ensure_schema(archive.db)
    return archive


def _iso(ts: int | None) -> str | None:
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat() if ts is not None else None


def _day(value: str | None) -> int | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-08-01") from None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


db_option = click.option("--db", "db", envvar="KEEPER_DB", default=None,
                         help="SQLite database (env KEEPER_DB, default ./data/keeper.db).")
model_option = click.option("--model", "model", envvar=ENV_MODEL, default=None,
                            help="Embedding model (env {ENV_MODEL}; default: the embedded multilingual one): "
                                 "a sentence-transformers name such as offline (MiniLM), a local path or a "
                                 "Hugging Face id.".replace("{ENV_MODEL}", ENV_MODEL))


@click.group(name="archive")
def cli():
    """The archive on its own: import, search, reindex, stats, demo."""


def _import(archive, export: Path, chat, channel_username, embedder, quiet: bool = False):
    from archive.importer import import_export
    from archive.vectors import embed_pending

    def on_batch(*args, **kwargs):  # progress from the importer, whatever it passes
        if not quiet:
            click.echo(".", nl=False, err=True)

    report = import_export(archive, export, chat=chat, channel_username=channel_username,
                           on_batch=None if quiet else on_batch, progress=False)
    if not quiet:
        click.echo("", err=True)
    encoded = embed_pending(archive, embedder, progress=not quiet and sys.stderr.isatty())
    return report, encoded


def _report_line(report) -> str:
    from dataclasses import asdict, is_dataclass
    if hasattr(report, "summary"):
        return report.summary()
    if is_dataclass(report):
        fields = {k: v for k, v in asdict(report).items() if isinstance(v, (int, str, float)) and v is not None}
        return ", ".join(f"{k}: {v}" for k, v in fields.items())
    return str(report)


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
        embedder = load_embedder(model)
        archive = _open(db)
        report, encoded = _import(archive, export, chat, channel_username, embedder)
        click.echo(f"imported {export}: {_report_line(report)}; passages encoded: {encoded} ({embedder.name})")


@cli.command("search")
@click.argument("query")
@click.option("--mode", type=click.Choice(["hybrid", "fts", "dense"]), default="hybrid", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--since", default=None, help="First day, YYYY-MM-DD.")
@click.option("--until", default=None, help="Day after the last, YYYY-MM-DD.")
@click.option("--hashtag", default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@db_option
@model_option
def search_command(query, mode, limit, offset, since, until, hashtag, as_json, db, model):
    """Search the archive."""
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.search import search
        embedder = load_embedder(model) if mode != "fts" else None
        page = search(_open(db), query, mode=mode, limit=limit, offset=offset, since=_day(since),
                      until=_day(until), hashtag=hashtag, embedder=embedder)
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
    """Re-split every post and encode what the active model lacks."""
    with _Errors():
        from archive.embeddings import load_embedder
        from archive.vectors import reindex
        embedder = load_embedder(model)
        encoded = reindex(_open(db), embedder, force=force, progress=sys.stderr.isatty())
        click.echo(f"reindexed for {embedder.name}: {encoded} passages encoded")


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
        info = archive_stats(_open(db))
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
        with tempfile.TemporaryDirectory() as tmp:
            archive = _open(db or Path(tmp) / "demo.db")
            report, encoded = _import(archive, export, None, "boris_again", embedder, quiet=True)
            click.echo(f"imported {export.name}: {_report_line(report)}; {encoded} passages encoded "
                       f"with {embedder.name}")
            page = search(archive, query, embedder=embedder, limit=5)
            click.echo(f"search {query!r} (hybrid, {page.timings['total']:.0f} ms):")
            for i, hit in enumerate(page.hits, 1):
                click.echo(f"{i}. {hit.title}\n   {hit.url}\n   {hit.snippet}")
            archive.db.conn.close()
