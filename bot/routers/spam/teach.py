"""/spam as a reply: an admin removes the message, bans its author and teaches the filter."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from moderation import Action, Punishment

from ..moderation import ChatModeration, audit
from ..moderation.admin import gate, log_action, target_of
from ..moderation.answers import api_problem, reply
from ..moderation.names import clip, sender_html
from ..moderation.punishments import apply_punishment
from .guard import SpamGuard, sample_ref


async def spam_command(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration,
                       spam: SpamGuard, t) -> None:
    actor = await gate(message, bot, moderation, Action.BAN, t)
    if actor is None:
        return
    replied = message.reply_to_message
    if replied is None:
        await reply(message, t("spam_usage"))
        return
    res = await target_of(message, command, bot, moderation, t)
    if res is None:
        return
    now = moderation.clock.now()
    try:
        done = await apply_punishment(bot, message.chat.id, res.target, Punishment("ban"), now)
    except TelegramAPIError as exc:
        await reply(message, api_problem(exc, t))
        return
    for message_id in (replied.message_id, message.message_id):
        try:
            await bot.delete_message(message.chat.id, message_id)
        except TelegramAPIError:
            pass  # gone already; the ban and the lesson stand
    text = (replied.text or replied.caption or "").strip()
    sample = await spam.learn(text, True, now, added_by=actor.id, source="command") if text else None
    reason = f"/spam: {clip(' '.join(text.split()), 200)}"
    await audit.record(bot, moderation, chat_id=message.chat.id, actor_id=actor.id, actor_kind=actor.kind.value,
                       actor_name=sender_html(message), target_id=res.actor.id, target_kind=res.actor.target_kind,
                       target_name=res.name, action="del", source="spam", reason=reason, post=False)
    await log_action(bot, moderation, message, actor, res, done.kind, reason, ref=sample_ref(sample), source="spam")
    await reply(message, t("spam_taught" if sample else "spam_banned_untaught", name=res.name))


def build_router(chat_filter) -> Router:
    router = Router(name=__name__)
    router.message.register(spam_command, chat_filter, Command("spam", "спам", ignore_case=True))
    return router
