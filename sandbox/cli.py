"""`keeper sandbox`: the whole bot offline against the emulator; chat in the terminal."""
from __future__ import annotations

import asyncio
import logging
import sys

import click


@click.command()
@click.option("--export", "export_path", help="Telegram export to preload (default: the sample).")
@click.option("--model", help="Embedding model (default: the embedded multilingual one).")
def sandbox(export_path: str | None, model: str | None) -> None:
    """The whole bot offline against the local Bot API emulator; chat in the terminal."""
    from archive.embeddings import ModelLoadError
    from archive.export_stream import ExportError
    from sandbox.terminal import run_sandbox

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run_sandbox(export_path=export_path, model=model, interactive=sys.stdin.isatty()))
    except (ExportError, ModelLoadError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{exc.strerror or exc}: {exc.filename}") from None
