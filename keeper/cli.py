"""The `keeper` command: the archive's commands, `run` (the real bot), `sandbox` (offline) and
`start` (whichever of the two the settings call for)."""
from __future__ import annotations

import click

from archive.cli import cli as archive_commands
from bot.cli import load_settings_or_exit, run

try:  # the production image ships without the emulator and the sandbox
    from sandbox.cli import sandbox
except ImportError:  # pragma: no cover - only in the production image
    sandbox = None


@click.group(name="keeper", commands={**archive_commands.commands, "run": run})
def cli():
    """Keeper: the channel archive, search and the community bot."""


@cli.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """The main job: the real bot when KEEPER_BOT_TOKEN is set, else the offline sandbox."""
    settings = load_settings_or_exit()
    if settings.bot_token or sandbox is None:
        ctx.invoke(run)
    else:
        ctx.invoke(sandbox)


if sandbox is not None:
    cli.add_command(sandbox)


def main() -> None:
    cli(prog_name="keeper")


if __name__ == "__main__":
    main()
