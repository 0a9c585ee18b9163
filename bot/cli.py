"""`keeper run`: the real bot against Telegram (polling or webhook)."""
from __future__ import annotations

import asyncio
import logging

import click

from bot.settings import Settings, SettingsError, load_settings


def load_settings_or_exit(**overrides) -> Settings:
    """Settings from the environment, or a one-line error for the command line."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--db", help="Database path (KEEPER_DB).")
def run(db: str | None) -> None:
    """Run the real bot (needs KEEPER_BOT_TOKEN, KEEPER_CHANNEL_ID, KEEPER_CHAT_ID)."""
    from bot.runner import run as run_bot

    settings = load_settings_or_exit(db=db)
    try:
        settings.require_bot()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_bot(settings))
