"""Anti-flood: more than X messages in Y seconds mutes for Z (moderation.FloodCounter decides;
the counting happens in members.ActivityCounter)."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.i18n import DEFAULT_LANG, Translator
from moderation import Punishment, Target, humanize

from . import audit
from .core import Moderation, apply_punishment, now
from .names import user_html

log = logging.getLogger(__name__)


async def mute_flooder(bot: Bot, kit: Moderation, message: Message, seconds: int, t=None) -> None:
    t = t or Translator(DEFAULT_LANG)
    user = message.from_user
    target = Target(user.id, "user")
    outcome = "done"
    try:
        await apply_punishment(bot, message.chat.id, target, Punishment("mute", seconds), now())
    except TelegramAPIError as exc:
        outcome = f"failed: {exc.message}"
        log.warning("flood mute of %s failed: %s", user.id, exc)
    lt = Translator(DEFAULT_LANG)  # the log chat's language, whoever flooded
    await audit.record(bot, kit, chat_id=message.chat.id, actor_id=bot.id, actor_kind="bot",
                       actor_name=lt("mod_log_by_flood"), target_id=user.id, target_kind="user",
                       target_name=user_html(user), action="mute", source="flood", outcome=outcome,
                       reason=lt("mod_flood_reason", n=kit.flood.rule.max_messages,
                                 window=humanize(kit.flood.rule.window, lt.lang)),
                       seconds=seconds)
    if outcome == "done":
        try:
            await message.answer(t("mod_flood_muted", name=user_html(user), term=humanize(seconds, t.lang)))
        except TelegramAPIError as exc:
            log.info("could not announce a flood mute: %s", exc)
