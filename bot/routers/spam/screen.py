"""The check in the message flow: an outer middleware on new and edited messages, first in line,
so a removed message is never counted as activity nor reaches any handler. The check runs in a
worker thread; meanwhile the bot goes on with other updates."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.i18n import DEFAULT_LANG, Translator, lang_of
from moderation import Punishment, Target, can_be_targeted
from moderation.spam import SpamAction, Verdict

from ..moderation import ChatModeration, audit
from ..moderation.actors import user_actor
from ..moderation.names import sender_html
from ..moderation.punishments import apply_punishment
from .guard import SpamGuard, facts_of
from .render import buttons, report_html, reasons_text

log = logging.getLogger(__name__)


class SpamCheck(BaseMiddleware):
    def __init__(self, guard: SpamGuard, moderation: ChatModeration):
        self.guard, self.moderation = guard, moderation

    async def __call__(self, handler: Callable[[Message, dict], Awaitable[Any]], event: Message,
                       data: dict[str, Any]) -> Any:
        try:
            removed = await self.screen(event, data["bot"])
        except Exception:  # noqa: BLE001 - a failing check must not cost the message
            log.exception("spam check of message %s failed", event.message_id)
            removed = False
        return None if removed else await handler(event, data)

    async def screen(self, message: Message, bot: Bot) -> bool:
        """Check a newcomer's message and act on the verdict; True when it was removed."""
        guard, moderation = self.guard, self.moderation
        now = moderation.clock.now()
        album = message.media_group_id
        if album and moderation.in_community(message.chat.id) and not message.edit_date \
                and moderation.albums.arrived(message.chat.id, album, message.message_id, now):
            await attempt(bot.delete_message(message.chat.id, message.message_id))  # a removed album's part
            return True
        if not guard.checks(moderation, message, bot.id, now):
            return False
        verdict = await guard.check(facts_of(message), now)
        if verdict is None or verdict.action is SpamAction.NONE:
            return False
        if message.sender_chat is None:
            sender, _ = await user_actor(bot, moderation, message.chat.id, message.from_user.id)
            if not can_be_targeted(sender, by_vote=False):  # promoted since the admin list was read
                return False
        if verdict.action is SpamAction.DELETE_AND_RESTRICT:
            await remove(bot, guard, moderation, message, verdict)
            return True
        await show_admins(bot, guard, moderation, message, verdict, removed=False)
        return False


async def remove(bot: Bot, guard: SpamGuard, moderation: ChatModeration, message: Message,
                 verdict: Verdict) -> None:
    """Delete the message, restrict its author until an admin decides (a channel identity is
    banned here instead: it cannot be restricted), record both, tell the admins."""
    chat_id = message.chat.id
    target, name = author(message)
    lt = Translator(DEFAULT_LANG)
    parts = moderation.albums.remove(chat_id, message.media_group_id, moderation.clock.now()) \
        if message.media_group_id else []
    for part in parts:  # the album's other photos (the captioned one is below, in the audit log)
        if part != message.message_id and (problem := await attempt(bot.delete_message(chat_id, part))):
            log.warning("could not delete part %s of a spam album: %s", part, problem)
    held = "mute" if target.kind == "user" else "ban"  # a channel identity cannot be muted
    problems = {
        "del": await attempt(bot.delete_message(chat_id, message.message_id)),
        held: await attempt(apply_punishment(bot, chat_id, target, Punishment("mute"), moderation.clock.now())),
    }
    why = f"{verdict.score:.2f}: {reasons_text(verdict, lt)}"
    records = {action: await audit.record(
        bot, moderation, chat_id=chat_id, actor_id=bot.id, actor_kind="bot", actor_name=lt("spam_log_by"),
        target_id=target.id, target_kind=target.kind, target_name=name, action=action, source="spam",
        outcome=f"failed: {problem}" if problem else "done", reason=why[:500], post=False)
        for action, problem in problems.items()}
    # The report is the log chat's entry for both; «Это не спам» undoes the restriction.
    await show_admins(bot, guard, moderation, message, verdict, removed=True, audit_id=records[held].id,
                      problem="; ".join(p for p in problems.values() if p))


def author(message: Message) -> tuple[Target, str]:
    """Whom a message's removal punishes, and their name: the person, or the channel they wrote as."""
    channel = message.sender_chat
    target = Target(channel.id, "chat") if channel is not None else Target(message.from_user.id, "user")
    return target, sender_html(message)


async def attempt(call: Awaitable) -> str | None:
    """Telegram's refusal of a call, or None when it is done."""
    try:
        await call
    except TelegramAPIError as exc:
        return exc.message
    return None


async def show_admins(bot: Bot, guard: SpamGuard, moderation: ChatModeration, message: Message, verdict: Verdict,
                      *, removed: bool, audit_id: int | None = None, problem: str = "") -> None:
    """The report with «Это не спам» / «Бан» in the log chat."""
    target, name = author(message)
    report = guard.reports.add(
        chat_id=message.chat.id, message_id=message.message_id, user_id=target.id, user_kind=target.kind,
        user_name=name, lang=lang_of(message.from_user), text=message.text or message.caption or "", removed=removed, audit_id=audit_id,
        now=moderation.clock.now())
    log_chat = moderation.settings.log_chat_id
    if log_chat is None:
        log.warning("spam report %s: no log chat to show it in (KEEPER_LOG_CHAT_ID)", report.id)
        return
    lt = Translator(DEFAULT_LANG)
    text = report_html(report, verdict, lt, audit_id=audit_id, chat_username=message.chat.username,
                       problem=problem)
    try:
        await bot.send_message(log_chat, text, reply_markup=buttons(report, lt), disable_web_page_preview=True)
    except TelegramAPIError as exc:
        log.warning("could not post spam report %s to the log chat: %s", report.id, exc)
