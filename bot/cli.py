"""Bot commands for the `keeper` CLI: run (real bot), sandbox (offline), start (either)."""
from __future__ import annotations

import asyncio
import logging
import sys

import click

from bot.settings import SettingsError, load_settings


def _settings(**overrides):
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--db", help="Database path (KEEPER_DB).")
def run(db: str | None) -> None:
    """Run the real bot (needs KEEPER_BOT_TOKEN, KEEPER_CHANNEL_ID, KEEPER_CHAT_ID)."""
    from bot.runner import run as run_bot

    settings = _settings(db=db)
    try:
        settings.require_bot()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_bot(settings))


@click.command()
@click.option("--export", "export_path", help="Telegram export to preload (default: the sample).")
@click.option("--model", help="Embedding model (default: the packaged offline model).")
def sandbox(export_path: str | None, model: str | None) -> None:
    """The whole bot offline against the local Bot API emulator; chat in the terminal."""
    from bot.sandbox import run_sandbox

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run_sandbox(export_path=export_path, model=model, interactive=sys.stdin.isatty()))


@click.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """The main job: the real bot when KEEPER_BOT_TOKEN is set, else the offline sandbox."""
    settings = _settings()
    ctx.invoke(run if settings.bot_token else sandbox)


def register(group: click.Group) -> None:
    for command in (run, sandbox, start):
        group.add_command(command)
