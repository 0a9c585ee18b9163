"""Chat members as Telegram reports them at this moment (getChatMember), and what a
ChatMember says: rights, presence. Rights are always checked fresh, never cached."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

log = logging.getLogger(__name__)

ADMIN_STATUSES = ("creator", "administrator")


async def fetch_member(bot: Bot, chat_id: int | None, user_id: int):
    """getChatMember now; None when there is no such chat or Telegram refuses."""
    if chat_id is None:
        return None
    try:
        return await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
        return None


def rights_of(member) -> frozenset[str]:
    """Names of the True can_* flags of a ChatMember."""
    return frozenset(k for k, v in member if k.startswith("can_") and v is True)


def is_present(member) -> bool:
    """In the chat now (a restricted member counts while is_member)."""
    status = getattr(member, "status", None)
    if status in ("creator", "administrator", "member"):
        return True
    return status == "restricted" and bool(getattr(member, "is_member", False))
