"""«Это не спам» and «Бан» under a report in the log chat, checked against the rights of whoever
presses, at the moment of pressing. Both teach the filter."""
from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.i18n import DEFAULT_LANG, Translator
from moderation import Action, Actor, Punishment, Target, check

from ..moderation import ChatModeration, audit
from ..moderation.actors import user_actor
from ..moderation.answers import api_problem
from ..moderation.names import user_html
from ..moderation.punishments import apply_punishment, lift
from .guard import SpamGuard, sample_ref
from .render import SpamButton
from .reports import HAM, SPAM, SpamReport

log = logging.getLogger(__name__)


async def on_button(callback: CallbackQuery, callback_data: SpamButton, bot: Bot, moderation: ChatModeration,
                    spam: SpamGuard, t) -> None:
    report = spam.reports.get(callback_data.rid)
    if report is None:
        await callback.answer(t("mod_undo_not_found"), show_alert=True)
        return
    is_spam = callback_data.verdict == SPAM
    actor, _ = await user_actor(bot, moderation, report.chat_id, callback.from_user.id)
    decision = check(actor, Action.BAN if is_spam else Action.UNMUTE)
    if not decision:
        await callback.answer(t(f"mod_denied_{decision.reason_code}", right=t(f"mod_right_{decision.right}")),
                              show_alert=True)
        return
    if not spam.reports.decide(report.id, SPAM if is_spam else HAM, actor.id, moderation.clock.now()):
        await callback.answer(t("spam_already_decided"), show_alert=True)
        return
    lt = Translator(DEFAULT_LANG)  # the log chat's language
    admin = user_html(callback.from_user)
    try:
        if is_spam:
            note = await ban(bot, moderation, spam, report, actor, admin, lt)
        else:
            note = await restore(bot, moderation, spam, report, actor, admin, lt)
    except TelegramAPIError as exc:
        spam.reports.reopen(report.id)
        await callback.answer(api_problem(exc, t)[:200], show_alert=True)
        return
    if isinstance(callback.message, Message) and callback.message.html_text:
        try:
            await callback.message.edit_text(f"{callback.message.html_text}\n{note}", reply_markup=None,
                                             disable_web_page_preview=True)
        except TelegramBadRequest as exc:
            log.info("could not mark spam report %s decided: %s", report.id, exc)
    await callback.answer(t("spam_decided_spam" if is_spam else "spam_decided_ham"))


async def ban(bot: Bot, moderation: ChatModeration, spam: SpamGuard, report: SpamReport, actor: Actor,
              admin: str, lt) -> str:
    """Ban the author, remove the message if it was kept, learn it as spam; the ban is undoable."""
    now = moderation.clock.now()
    done = await apply_punishment(bot, report.chat_id, Target(report.user_id, report.user_kind), Punishment("ban"),
                                  now)
    if not report.removed:
        try:
            await bot.delete_message(report.chat_id, report.message_id)
        except TelegramAPIError as exc:  # deleted by someone already, or too old: the ban stands
            log.info("could not delete reported message %s: %s", report.message_id, exc)
    sample = await spam.learn(report.text, True, now, added_by=actor.id, source="button")
    await audit.record(bot, moderation, chat_id=report.chat_id, actor_id=actor.id, actor_kind=actor.kind.value,
                       actor_name=admin, target_id=report.user_id, target_kind=report.user_kind,
                       target_name=report.user_name, action=done.kind, source="spam",
                       reason=lt("spam_reason_button"), ref=sample_ref(sample))
    return lt("spam_report_banned", admin=admin, name=report.user_name)


async def restore(bot: Bot, moderation: ChatModeration, spam: SpamGuard, report: SpamReport, actor: Actor,
                  admin: str, lt) -> str:
    """Learn the text as ordinary; a removed message's author may write again and is asked to repost
    (the bot does not repost for them: their words stay theirs to edit, delete and be answered)."""
    now = moderation.clock.now()
    if report.removed:
        lifted = "unmute" if report.user_kind == "user" else "unban"  # a channel identity was banned
        await lift(bot, report.chat_id, report.user_id, report.user_kind, lifted)
        if report.audit_id is not None:
            moderation.audit.undo(report.audit_id, actor.id, now)  # the restriction, once
        await audit.record(bot, moderation, chat_id=report.chat_id, actor_id=actor.id,
                           actor_kind=actor.kind.value, actor_name=admin, target_id=report.user_id,
                           target_kind=report.user_kind, target_name=report.user_name, action=lifted, source="spam",
                           reason=lt("spam_reason_not_spam"), post=False)
        member_t = Translator(report.lang)
        try:
            await bot.send_message(report.chat_id, member_t("spam_restored", name=report.user_name))
        except TelegramAPIError as exc:
            log.warning("could not ask %s to repost: %s", report.user_id, exc)
    sample = await spam.learn(report.text, False, now, added_by=actor.id, source="button")
    await audit.record(bot, moderation, chat_id=report.chat_id, actor_id=actor.id, actor_kind=actor.kind.value,
                       actor_name=admin, target_id=report.user_id, target_kind=report.user_kind,
                       target_name=report.user_name, action="not_spam", source="spam", reason=lt("spam_reason_not_spam"), ref=sample_ref(sample),
                       post=False)
    return lt("spam_report_restored" if report.removed else "spam_report_kept", admin=admin, name=report.user_name)


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_button, SpamButton.filter())
    return router
