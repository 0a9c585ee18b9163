"""The audit trail: every action stored (moderation.AuditLog) and posted to the log chat
with an Undo button; the button is checked against whoever presses it, at that moment."""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import DEFAULT_LANG, Translator
from bot.render import escape
from bot.render_durations import humanize
from moderation import Action, AuditRecord, check, undo_action

from .actors import user_actor
from .answers import api_problem
from .context import ChatModeration
from .punishments import lift

log = logging.getLogger(__name__)


class UndoButton(CallbackData, prefix="mu"):
    rid: int


async def record(bot: Bot, moderation: ChatModeration, *, chat_id: int, actor_id: int, actor_kind: str,
                 actor_name: str, target_id: int, target_kind: str, target_name: str, action: str,
                 source: str, outcome: str = "done", reason: str = "", seconds: int | None = None,
                 ref: str | None = None, post: bool = True) -> AuditRecord:
    """Store one action and post it to the log chat (if configured)."""
    rec = moderation.audit.record(AuditRecord(
        id=None, chat_id=chat_id, actor_id=actor_id, actor_kind=actor_kind, target_id=target_id,
        target_kind=target_kind, action=action, reason=reason, source=source, outcome=outcome,
        created_at=moderation.clock.now(), seconds=seconds, ref=ref))
    if post and moderation.settings.log_chat_id is not None:
        t = Translator(DEFAULT_LANG)
        text = render(rec, actor_name, target_name, t, moderation.settings.timezone)
        markup = None
        if undo_action(rec) is not None and outcome == "done":
            markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=t(f"mod_btn_undo_{undo_kind(rec)}"), callback_data=UndoButton(rid=rec.id).pack())]])
        try:
            await bot.send_message(moderation.settings.log_chat_id, text, reply_markup=markup)
        except TelegramAPIError as exc:
            log.warning("could not post to the log chat %s: %s", moderation.settings.log_chat_id, exc)
    return rec


def undo_kind(rec: AuditRecord) -> str:
    """What Undo does to ``rec`` (not undone yet), as its button and answer say: "unban", "unmute",
    "unwarn", or "readmit" (lift the re-entry ban of a kick with a term)."""
    return "readmit" if rec.action == "kick" else undo_action(rec).action


def render(rec: AuditRecord, actor_name: str, target_name: str, t, tz: str) -> str:
    when = datetime.fromtimestamp(rec.created_at, ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")
    lines = [t("mod_log_head", id=rec.id, action=t(f"mod_action_{rec.action}"),
               source=t(f"mod_source_{rec.source.replace('-', '_')}")),
             t("mod_log_who", name=actor_name), t("mod_log_whom", name=target_name)]
    if rec.action in ("ban", "mute"):
        lines.append(t("mod_log_term", term=humanize(rec.seconds, t.lang)))
    elif rec.action == "kick":  # out now; a term only says when they may come back
        lines.append(t("mod_log_kick_back") if rec.seconds is None else
                     t("mod_log_kick_back_in", term=humanize(rec.seconds, t.lang, accusative=True)))
    if rec.reason:
        lines.append(t("mod_log_reason", reason=escape(rec.reason)))
    if rec.outcome != "done":
        lines.append(t("mod_log_outcome", outcome=escape(rec.outcome)))
    lines.append(t("mod_log_when", when=when))
    return "\n".join(lines)


async def on_undo(callback: CallbackQuery, callback_data: UndoButton, bot: Bot, moderation: ChatModeration,
                  t) -> None:
    rec = moderation.audit.get(callback_data.rid)
    if rec is None:
        await callback.answer(t("mod_undo_not_found"), show_alert=True)
        return
    actor, _ = await user_actor(bot, moderation, rec.chat_id, callback.from_user.id)
    decision = check(actor, Action.UNDO)
    if not decision:
        await callback.answer(t(f"mod_denied_{decision.reason_code}", right=t(f"mod_right_{decision.right}")),
                              show_alert=True)
        return
    result = moderation.audit.undo(rec.id, actor.id, moderation.clock.now())
    if not result.ok:
        await callback.answer(t(f"mod_undo_{result.reason}"), show_alert=True)
        return
    reverse = result.reverse
    try:
        if reverse.action == "unwarn":
            moderation.warns.remove(reverse.warn_id, actor.id, moderation.clock.now())
        else:
            await lift(bot, reverse.chat_id, reverse.target_id, reverse.target_kind, reverse.action)
    except TelegramAPIError as exc:
        await callback.answer(api_problem(exc, t)[:200], show_alert=True)
        return
    for hook in moderation.undo_hooks:  # features with state of their own (a taught spam sample)
        await hook(rec)
    await record(bot, moderation, chat_id=rec.chat_id, actor_id=actor.id, actor_kind=actor.kind.value,
                 actor_name="", target_id=rec.target_id, target_kind=rec.target_kind,
                 target_name="", action=reverse.action, source="admin", reason=f"undo #{rec.id}",
                 post=False)
    kind = undo_kind(rec)
    if isinstance(callback.message, Message) and callback.message.html_text:
        lt = Translator(DEFAULT_LANG)  # the log chat's language, like the entry
        note = lt("mod_log_undone", done=lt(f"mod_undo_done_{kind}"), name=escape(callback.from_user.full_name))
        try:
            await callback.message.edit_text(f"{callback.message.html_text}\n{note}", reply_markup=None)
        except TelegramBadRequest as exc:
            log.info("could not mark the log entry undone: %s", exc)
    await callback.answer(t(f"mod_undo_done_{kind}"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_undo, UndoButton.filter())
    return router
