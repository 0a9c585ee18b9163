"""/report (or "@admin" in a message): tell the admins, in the log chat or by mention."""
from __future__ import annotations

import logging
import re

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import Message

from archive.store import post_url
from bot.i18n import DEFAULT_LANG, Translator
from moderation import Action, check

from .actors import message_actor
from .answers import reply
from .context import ChatModeration
from .names import excerpt, sender_html, user_link

log = logging.getLogger(__name__)
CALL_ADMINS = re.compile(r"(?<![\w@])@admins?\b", re.IGNORECASE)


def calls_admins(message: Message) -> bool:
    """ "@admin" / "@admins" anywhere in the text or caption."""
    return bool(CALL_ADMINS.search(message.text or message.caption or ""))


async def report(message: Message, bot: Bot, moderation: ChatModeration, t) -> None:
    actor, _ = await message_actor(bot, moderation, message)
    decision = check(actor, Action.REPORT)
    if not decision:
        await reply(message, t(f"mod_denied_{decision.reason_code}", right=""))
        return
    reported = message.reply_to_message or message
    lt = Translator(DEFAULT_LANG)
    link = post_url(message.chat.id, reported.message_id, message.chat.username)
    quote = excerpt(reported)
    head = (lt("mod_report_head", reporter=sender_html(message), about=sender_html(reported))
            if message.reply_to_message else lt("mod_report_call", reporter=sender_html(message)))
    lines = [head, lt("mod_report_link", link=link)]
    if quote:
        lines.append(f"<blockquote>{quote}</blockquote>")
    log_chat = moderation.settings.log_chat_id
    if log_chat is not None:
        try:
            await bot.send_message(log_chat, "\n".join(lines), disable_web_page_preview=True)
            await reply(message, t("mod_report_sent"))
            return
        except TelegramAPIError as exc:
            log.warning("could not post a report to the log chat: %s", exc)
    admins = [a for a in moderation.store.admins(message.chat.id) if a.user_id != bot.id]
    mentions = ", ".join(user_link(a.user_id, moderation.known.name(a.user_id) or "admin") for a in admins)
    await reply(message, t("mod_report_mention", admins=mentions or "—"))


def build_router(chat_filter) -> Router:
    router = Router(name=__name__)
    router.message.register(report, chat_filter, Command("report", "жалоба", ignore_case=True))
    router.message.register(report, chat_filter, calls_admins)
    return router
