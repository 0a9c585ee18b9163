"""Carrying out punishments through the Bot API: ban, mute, kick, and lifting them."""
from __future__ import annotations

from aiogram import Bot
from aiogram.types import ChatPermissions

from moderation import Punishment, Target

MUTED = ChatPermissions(**{k: False for k in ChatPermissions.model_fields})
UNMUTED = ChatPermissions(**{k: True for k in ChatPermissions.model_fields})


async def apply_punishment(bot: Bot, chat_id: int, target: Target, punishment: Punishment,
                           at: float) -> Punishment:
    """Carry out ``punishment``; returns what was actually done (channels are only banned).
    Raises TelegramAPIError."""
    p = punishment.for_target(target.kind)
    if target.kind == "chat":
        await bot.ban_chat_sender_chat(chat_id, target.id)
        return p
    until = p.duration.telegram_until(at).until_date or None
    if p.kind == "mute":
        await bot.restrict_chat_member(chat_id, target.id, MUTED, until_date=until)
    elif p.kind == "ban" or p.seconds is not None:
        await bot.ban_chat_member(chat_id, target.id, until_date=until)
    else:  # a plain kick: out now, may come back at once
        await bot.ban_chat_member(chat_id, target.id)
        await bot.unban_chat_member(chat_id, target.id, only_if_banned=True)
    return p


async def lift(bot: Bot, chat_id: int, target_id: int, target_kind: str, action: str) -> None:
    """Reverse a ban ("unban") or a mute ("unmute"). Raises TelegramAPIError."""
    if target_kind == "chat":
        await bot.unban_chat_sender_chat(chat_id, target_id)
    elif action == "unban":
        await bot.unban_chat_member(chat_id, target_id, only_if_banned=True)
    else:  # the Bot API's way to lift restrictions: pass True for all permissions
        await bot.restrict_chat_member(chat_id, target_id, UNMUTED)
