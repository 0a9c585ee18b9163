"""/digest [7d|30d]: the channel's digest on demand, to the asker (the weekly one is a job, see jobs.py)."""
from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from archive.digest import build_digest
from bot.render_archive import render_digest
from bot.routers.content.common import in_thread
from bot.services import Services
from content.digests import DAY

MAX_DAYS = 90
_PERIOD = re.compile(r"^\s*(\d{1,3})\s*(d|д|дн|дней|дня|day|days)?\s*$", re.I)


def parse_days(raw: str | None) -> int | None:
    if not raw or not raw.strip():
        return 7
    m = _PERIOD.match(raw)
    if not m:
        return None
    days = int(m.group(1))
    return days if 1 <= days <= MAX_DAYS else None


async def digest_command(message: Message, command: CommandObject, services: Services, t, lang: str) -> None:
    days = parse_days(command.args)
    if days is None:
        await message.reply(t("digest_usage", max=MAX_DAYS))
        return
    until = int(services.clock.now())
    since = until - days * DAY
    tz = services.settings.timezone
    digest = await in_thread(services, lambda archive: build_digest(archive, since, until, tz=tz))
    if digest is None:
        await message.reply(t.plural("digest_nothing", days))
        return
    await message.reply(render_digest(digest, lang), disable_web_page_preview=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(digest_command, Command("digest", "дайджест", ignore_case=True))
    return router
