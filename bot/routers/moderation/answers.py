"""Answering in the chat: a reply that never fails its handler, Telegram refusals as one sentence."""
from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.render import escape

log = logging.getLogger(__name__)


def api_problem(exc: TelegramAPIError, t) -> str:
    """A Telegram refusal as one short sentence for the admin."""
    text = (exc.message or "").lower()
    if "not enough rights" in text or "admin_required" in text or "need administrator" in text \
            or "right_forbidden" in text:
        return t("mod_err_bot_rights")
    if "administrator" in text or "owner" in text or "can't restrict self" in text:
        return t("mod_err_target_admin")
    if "user not found" in text or "participant_id_invalid" in text or "user_id_invalid" in text:
        return t("mod_err_unknown_user")
    if "message to delete not found" in text or "can't be deleted" in text:
        return t("mod_err_cannot_delete")
    return t("mod_err_api", error=escape(exc.message or str(exc)))


async def reply(message: Message, text: str) -> None:
    """Answer in the chat; never fail a handler because the answer could not be sent."""
    try:
        await message.reply(text, allow_sending_without_reply=True)
    except TelegramAPIError as exc:
        log.warning("could not reply in %s: %s", message.chat.id, exc)
