"""Anti-flood: more than X messages in Y seconds mutes for Z (moderation.FloodCounter decides;
the counting happens in members.ActivityCounter)."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.i18n import DEFAULT_LANG, Translator
from bot.render_durations import humanize
from moderation import Punishment, Target

from . import audit
from .context import ChatModeration
from .names import chat_html, user_html
from .punishments import apply_punishment

log = logging.getLogger(__name__)


async def mute_flooder(bot: Bot, moderation: ChatModeration, message: Message, seconds: int, t=None) -> None:
    """Mute a flooding member; a member writing as a channel gets that channel banned here
    (a channel identity cannot be muted)."""
    t = t or Translator(DEFAULT_LANG)
    user, channel = message.from_user, message.sender_chat
    target = Target(channel.id, "chat") if channel else Target(user.id, "user")
    name = chat_html(channel) if channel else user_html(user)
    outcome = "done"
    try:
        done = await apply_punishment(bot, message.chat.id, target, Punishment("mute", seconds),
                                      moderation.clock.now())
    except TelegramAPIError as exc:
        done, outcome = None, f"failed: {exc.message}"
        log.warning("flood punishment of %s failed: %s", target.id, exc)
    lt = Translator(DEFAULT_LANG)  # the log chat's language, whoever flooded
    await audit.record(bot, moderation, chat_id=message.chat.id, actor_id=bot.id, actor_kind="bot",
                       actor_name=lt("mod_log_by_flood"), target_id=target.id, target_kind=target.kind,
                       target_name=name, action=done.kind if done else "mute", source="flood", outcome=outcome,
                       reason=lt.plural("mod_flood_reason", moderation.flood.rule.max_messages,
                                        window=humanize(moderation.flood.rule.window, lt.lang, accusative=True)),
                       seconds=done.seconds if done else seconds)
    if outcome == "done":
        try:
            key = "mod_flood_banned_channel" if channel else "mod_flood_muted"
            await message.answer(t(key, name=name, term=humanize(seconds, t.lang, accusative=True)))
        except TelegramAPIError as exc:
            log.info("could not announce a flood mute: %s", exc)
