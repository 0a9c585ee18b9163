"""Digests: the weekly one into the chat (scheduled, once per ISO week) and /digest [7d|30d]."""
from __future__ import annotations

import logging
import re

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from archive.digest import build_digest, week_bounds, week_key
from bot.i18n import DEFAULT_LANG
from bot.render_archive import render_digest
from bot.routers.content import store
from bot.routers.content.common import in_thread, now
from bot.services import Services

log = logging.getLogger(__name__)

WEEK = 7 * 86400
MAX_GAP = 14 * 86400   # a digest never reaches further back than this
MAX_DAYS = 90
_PERIOD = re.compile(r"^\s*(\d{1,3})\s*(d|д|дн|дней|дня|day|days)?\s*$", re.I)


def digest_window(services: Services, at: float) -> tuple[int, int]:
    """[since, until): from the end of the previous digest (if within two weeks); else from the
    start of this ISO week (if at least 3 days ago), else from a week back."""
    last = store.last_digest(services.db)
    until = int(at)
    if last and until - MAX_GAP <= last["until"] < until:
        return last["until"], until
    week_start, _ = week_bounds(week_key(until, services.settings.timezone), services.settings.timezone)
    return (week_start if until - week_start >= 3 * 86400 else until - WEEK), until


async def weekly_digest(bot: Bot, services: Services, at: float | None = None) -> str:
    """Send this week's digest to the chat unless the week already has one; returns what happened."""
    settings = services.settings
    at = now() if at is None else at
    if settings.chat_id is None:
        return "no chat"
    key = week_key(int(at), settings.timezone)
    since, until = digest_window(services, at)
    if not store.claim_digest(services.db, key, since, until):
        return "already sent"
    tz = settings.timezone
    try:
        digest = await in_thread(services, lambda archive: build_digest(archive, since, until, tz=tz))
        if digest is None:
            store.finish_digest(services.db, key, "empty")
            return "empty"
        message = await bot.send_message(settings.chat_id, render_digest(digest, DEFAULT_LANG),
                                         disable_web_page_preview=True)
    except Exception:
        with services.db.conn:  # not sent: the week stays open for another try
            services.db.execute("DELETE FROM content_digests WHERE week_key = ?", [key])
        raise
    store.finish_digest(services.db, key, "sent", settings.chat_id, message.message_id)
    log.info("digest %s sent: %d items", key, digest.total)
    return "sent"


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
    until = int(now())
    since = until - days * 86400
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
