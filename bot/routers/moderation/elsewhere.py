"""Moderation commands sent where they do not work (in private, in another group): one short
answer saying where they do, instead of silence."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from . import admin, votekick
from .answers import reply

# /report is the reports router's; it works in the community chat too.
COMMAND_NAMES = admin.COMMAND_NAMES + votekick.COMMAND_NAMES + ("report", "жалоба")


async def elsewhere(message: Message, t) -> None:
    await reply(message, t("mod_only_in_chat"))


def build_router(chat_filter) -> Router:
    """``chat_filter`` matches the community chat; this router answers everywhere else."""
    router = Router(name=__name__)
    router.message.register(elsewhere, ~chat_filter, Command(*COMMAND_NAMES, ignore_case=True))
    return router
