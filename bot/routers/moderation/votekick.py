"""/votekick: a vote with Kick/Keep buttons; settlement is atomic (moderation.VoteBook).

Open votes live in the database; :func:`sweep` closes the expired ones and edits their
messages. It runs at startup and every few seconds from a task on the event loop; tests
call it directly after moving the clock.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from archive.store import post_url
from bot.i18n import DEFAULT_LANG, Translator
from bot.members import is_present
from bot.render import escape
from bot.render_durations import humanize
from moderation import (
    Action,
    AlreadyVoted,
    Closed,
    Denied,
    Eligibility,
    Moved,
    NotEligible,
    NotFound,
    NotOpen,
    Punishment,
    Refused,
    Started,
    Vote,
    VoteCast,
    VoteLabel,
    check,
)
from moderation.votes import CANCELLED, DECIDED, EXPIRED, FAILED, KICK, KEEP, PASSED

from . import audit
from .actors import message_actor, user_actor
from .answers import api_problem, reply
from .context import ChatModeration
from .names import user_html, user_link
from .punishments import apply_punishment
from .targets import TargetError, resolve

log = logging.getLogger(__name__)


class VoteButton(CallbackData, prefix="vk"):
    vid: int
    op: str  # kick | keep | cancel | decide


# -- rendering ------------------------------------------------------------------------------

def label_of(moderation: ChatModeration, vote_id: int) -> VoteLabel:
    return moderation.labels.get(vote_id) or VoteLabel(DEFAULT_LANG, str(vote_id), "", "")


def punishment_text(p: Punishment, t) -> str:
    """ "бан на 1 неделю", "мут навсегда", "исключение из чата": what was done, after a name."""
    term = humanize(p.seconds, t.lang, accusative=True)
    if p.kind == "kick":
        return t("mod_p_kick") if p.seconds is None else t("mod_p_kick_for", term=term)
    if p.seconds is None:
        return t(f"mod_p_{p.kind}_forever")
    return t(f"mod_p_{p.kind}_for", term=term)


def after_kick_text(p: Punishment, t) -> str:
    """What removing someone by vote means for them: "вернуться можно через 1 день", "бан навсегда"."""
    if p.kind != "kick":
        return punishment_text(p, t)
    if p.seconds is None:
        return t("mod_after_kick")
    return t("mod_after_kick_for", term=humanize(p.seconds, t.lang, accusative=True))


def stakes_text(p: Punishment, t) -> str:
    """The vote card's line on what "kick" will do."""
    if p.kind != "kick":
        return t("mod_vote_stakes", outcome=punishment_text(p, t))
    if p.seconds is None:
        return t("mod_vote_stakes_kick")
    return t("mod_vote_stakes_kick_for", term=humanize(p.seconds, t.lang, accusative=True))


def render_vote(moderation: ChatModeration, vote: Vote,
                note: str | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    label = label_of(moderation, vote.id)
    t = Translator(label.lang)
    kick, keep = vote.counts
    until = datetime.fromtimestamp(vote.expires_at, ZoneInfo(moderation.settings.timezone)).strftime("%H:%M")
    lines = [t("mod_vote_title", target=label.target_name),
             t("mod_vote_initiator", name=label.initiator_name)]
    if vote.reason:
        lines.append(t("mod_vote_reason", reason=escape(vote.reason)))
    if label.link:
        lines.append(t("mod_vote_link", link=escape(label.link)))
    lines.append(t.plural("mod_vote_rules", vote.threshold, until=until))
    lines.append(stakes_text(vote.punishment(), t))
    if vote.is_open:
        markup = InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=t("mod_btn_kick", n=kick, of=vote.threshold),
                                  callback_data=VoteButton(vid=vote.id, op=KICK).pack()),
             InlineKeyboardButton(text=t("mod_btn_keep", n=keep, of=vote.threshold),
                                  callback_data=VoteButton(vid=vote.id, op=KEEP).pack())],
            [InlineKeyboardButton(text=t("mod_btn_cancel"), callback_data=VoteButton(vid=vote.id, op="cancel").pack()),
             InlineKeyboardButton(text=t("mod_btn_decide"), callback_data=VoteButton(vid=vote.id, op="decide").pack())],
        ])
        return "\n".join(lines), markup
    admin = user_link(vote.settled_by, moderation.known.name(vote.settled_by)) if vote.settled_by else ""
    after = after_kick_text(vote.punishment(), t)
    result = {
        PASSED: lambda: t("mod_vote_passed", outcome=after),
        FAILED: lambda: t("mod_vote_failed"),
        EXPIRED: lambda: t("mod_vote_expired"),
        CANCELLED: lambda: t("mod_vote_cancelled", admin=admin),
        DECIDED: lambda: (t("mod_vote_decided_kick", admin=admin, outcome=after)
                          if vote.decision == KICK else t("mod_vote_decided_keep", admin=admin)),
    }[vote.status]()
    lines.append("")
    lines.append(t("mod_vote_result", result=result))
    for choice, key in ((KICK, "mod_vote_voters_kick"), (KEEP, "mod_vote_voters_keep")):
        voters = [user_link(uid, moderation.known.name(uid)) for uid, c in vote.votes.items() if c == choice]
        if voters:
            lines.append(t(key, n=len(voters), names=", ".join(voters)))
    if note:
        lines.append(note)
    return "\n".join(lines), None


async def show(bot: Bot, moderation: ChatModeration, vote: Vote, note: str | None = None) -> None:
    """Edit the vote message to the vote's current state."""
    if vote.poll_message_id is None:
        return
    text, markup = render_vote(moderation, vote, note)
    try:
        await bot.edit_message_text(text=text, chat_id=vote.chat_id, message_id=vote.poll_message_id,
                                    reply_markup=markup, disable_web_page_preview=True)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            log.warning("could not edit vote %s: %s", vote.id, exc)
    except TelegramAPIError as exc:
        log.warning("could not edit vote %s: %s", vote.id, exc)


async def settle(bot: Bot, moderation: ChatModeration, closed: Closed) -> None:
    """This call closed the vote: punish (exactly once), delete the message, show the result."""
    vote = closed.vote
    note = None
    if closed.punishment is not None:
        label = label_of(moderation, vote.id)
        t = Translator(label.lang)
        outcome = "done"
        try:
            done = await apply_punishment(bot, vote.chat_id, vote.target, closed.punishment,
                                          moderation.clock.now())
        except TelegramAPIError as exc:
            done = closed.punishment
            outcome = f"failed: {exc.message}"
            note = t("mod_vote_punish_failed", problem=api_problem(exc, t))
        if vote.target_message_id:
            try:
                await bot.delete_message(vote.chat_id, vote.target_message_id)
            except TelegramAPIError as exc:
                log.info("could not delete the voted message: %s", exc)
        by_admin = vote.status == DECIDED and vote.settled_by is not None
        await audit.record(
            bot, moderation, chat_id=vote.chat_id,
            actor_id=vote.settled_by if by_admin else bot.id,
            actor_kind="admin" if by_admin else "bot",
            actor_name=(user_link(vote.settled_by, moderation.known.name(vote.settled_by)) if by_admin
                        else t("mod_log_by_vote", n=vote.counts[0])),
            target_id=vote.target.id, target_kind=vote.target.kind, target_name=label.target_name,
            action=done.kind, source="vote", outcome=outcome, reason=vote.reason,
            seconds=done.seconds, ref=str(vote.id))
    await show(bot, moderation, vote, note)


async def sweep(bot: Bot, moderation: ChatModeration) -> list[Closed]:
    """Close every vote whose time is up and edit its message; returns what it closed."""
    closed = moderation.votes.expire_due(moderation.clock.now())
    for c in closed:
        await settle(bot, moderation, c)
    return closed


async def sweeper(bot: Bot, moderation: ChatModeration) -> None:
    interval = moderation.settings.votekick_sweep_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep(bot, moderation)
        except Exception:  # noqa: BLE001 - keep sweeping; a broken vote must not stop the others
            log.exception("votekick sweep failed")


# -- /votekick ------------------------------------------------------------------------------

async def votekick(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    if message.reply_to_message is None:
        await reply(message, t("mod_vote_usage"))
        return
    initiator, member = await message_actor(bot, moderation, message)
    try:
        target = await resolve(bot, moderation, message, None)
    except TargetError:
        await reply(message, t("mod_vote_usage"))
        return
    facts = (moderation.store.eligibility(message.chat.id, initiator.id, is_present(member))
             if member is not None  # not a person: refused before facts matter
             else Eligibility(initiator.id, False, None, 0))
    reason = (command.args or "").strip()[:300]
    result = moderation.votes.start(chat_id=message.chat.id, initiator=initiator, initiator_facts=facts,
                                    target=target.actor, now=moderation.clock.now(), reason=reason,
                                    target_message_id=target.message.message_id if target.message else None)
    if isinstance(result, Refused):
        await reply(message, refusal_text(result, t, moderation, target.name))
        return
    assert isinstance(result, Started)
    if result.superseded is not None:
        await settle(bot, moderation, result.superseded)
    vote = result.vote
    link = post_url(message.chat.id, target.message.message_id, message.chat.username) if target.message else ""
    # The vote is public and outlives its initiator's interest: the chat's language.
    moderation.labels.save(vote.id, VoteLabel(DEFAULT_LANG, target.name, user_html(message.from_user), link))
    text, markup = render_vote(moderation, vote)
    try:
        sent = await message.answer(text, reply_markup=markup, disable_web_page_preview=True)
    except TelegramAPIError as exc:
        moderation.votes.cancel(vote.id, initiator, moderation.clock.now())  # nobody could vote on it
        await reply(message, api_problem(exc, t))
        return
    moderation.votes.attach_message(vote.id, sent.message_id)


def refusal_text(refused: Refused, t, moderation: ChatModeration, target_name: str) -> str:
    if refused.reason in ("cooldown", "chat_paused") and refused.retry_at:
        wait = humanize(max(60, int(refused.retry_at - moderation.clock.now()) // 60 * 60 + 60), t.lang, accusative=True)
        return t(f"mod_vote_refused_{refused.reason}", wait=wait)
    if refused.reason == "too_few_messages":
        return t.plural("mod_vote_refused_too_few_messages", moderation.settings.votekick_min_messages)
    return t(f"mod_vote_refused_{refused.reason}", target=target_name)


# -- buttons --------------------------------------------------------------------------------

async def on_vote_button(callback: CallbackQuery, callback_data: VoteButton, bot: Bot, moderation: ChatModeration,
                         t) -> None:
    vote = moderation.votes.get(callback_data.vid)
    if vote is None:
        await callback.answer(t("mod_vote_not_found"), show_alert=True)
        return
    user = callback.from_user
    moderation.remember(user)
    if callback_data.op in (KICK, KEEP):
        member = None
        if user.id != bot.id:
            _, member = await user_actor(bot, moderation, vote.chat_id, user.id)
        facts = moderation.store.eligibility(vote.chat_id, user.id, is_present(member))
        result = moderation.votes.cast(vote.id, facts, callback_data.op, moderation.clock.now())
    else:
        actor, _ = await user_actor(bot, moderation, vote.chat_id, user.id)
        if callback_data.op == "cancel":
            result = moderation.votes.cancel(vote.id, actor, moderation.clock.now())
        else:
            result = moderation.votes.decide(vote.id, actor, True, moderation.clock.now())
    await answer_result(callback, bot, moderation, result, t)


async def answer_result(callback: CallbackQuery | None, bot: Bot, moderation: ChatModeration, result, t) -> str:
    """Show the outcome of a press or an admin operation; returns the text answered."""
    if isinstance(result, Closed):
        text = t(closed_key(result))
        await _answer(callback, text)
        await settle(bot, moderation, result)
        return text
    if isinstance(result, (VoteCast, Moved)):
        text = t("mod_vote_counted" if isinstance(result, VoteCast) else "mod_vote_moved",
                 choice=t(f"mod_choice_{result.choice}"))
        await _answer(callback, text)
        await show(bot, moderation, result.vote)
        return text
    if isinstance(result, AlreadyVoted):
        text = t("mod_vote_already", choice=t(f"mod_choice_{result.choice}"))
    elif isinstance(result, NotEligible):
        text = t.plural(f"mod_vote_not_eligible_{result.reason}", result.vote.min_messages)
    elif isinstance(result, NotOpen):
        text = t("mod_vote_not_open")
    elif isinstance(result, NotFound):
        text = t("mod_vote_not_found")
    elif isinstance(result, Denied):
        d = result.decision
        text = t(f"mod_denied_{d.reason_code}", right=t(f"mod_right_{d.right}"))
    else:
        text = t("error_generic")
    await _answer(callback, text, alert=True)
    return text


def closed_key(closed: Closed) -> str:
    """The popup for whoever closed a vote: their vote settled it, time was up, or an admin ended it."""
    if closed.status == DECIDED:
        return f"mod_vote_closed_decided_{closed.vote.decision}"
    if closed.status in (EXPIRED, CANCELLED):
        return f"mod_vote_closed_{closed.status}"
    return "mod_vote_closed_by_you"


async def _answer(callback: CallbackQuery | None, text: str, alert: bool = False) -> None:
    if callback is None:
        return
    try:
        await callback.answer(text[:200], show_alert=alert)
    except TelegramAPIError as exc:
        log.info("could not answer a callback: %s", exc)


# -- admin commands on a vote ---------------------------------------------------------------

def vote_for_reply(moderation: ChatModeration, message: Message) -> Vote | None:
    """The open vote a command replies to: the vote message itself, or the voted message."""
    replied = message.reply_to_message
    if replied is None:
        return None
    return moderation.votes.open_vote_about(message.chat.id, replied.message_id)


async def vote_admin_command(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration,
                             t) -> None:
    """/cancelvote, /decide [kick|keep] in reply to the vote (or the voted message)."""
    actor, _ = await message_actor(bot, moderation, message)
    action = Action.VOTE_CANCEL if command.command.lower() == "cancelvote" else Action.VOTE_DECIDE
    decision = check(actor, action)
    if not decision:
        await reply(message, t(f"mod_denied_{decision.reason_code}", right=t(f"mod_right_{decision.right}")))
        return
    vote = vote_for_reply(moderation, message)
    if vote is None:
        await reply(message, t("mod_vote_admin_usage"))
        return
    if action is Action.VOTE_CANCEL:
        result = moderation.votes.cancel(vote.id, actor, moderation.clock.now())
    else:
        keep = (command.args or "").strip().lower() in ("keep", "оставить", "no", "нет")
        result = moderation.votes.decide(vote.id, actor, not keep, moderation.clock.now())
    text = await answer_result(None, bot, moderation, result, t)
    if not isinstance(result, Closed):
        await reply(message, text)


VOTE_NAMES = ("votekick", "vk", "voteban")
VOTE_ADMIN_NAMES = ("cancelvote", "decide")
COMMAND_NAMES = VOTE_NAMES + VOTE_ADMIN_NAMES


def build_router(chat_filter) -> Router:
    router = Router(name=__name__)
    router.message.register(votekick, chat_filter, Command(*VOTE_NAMES, ignore_case=True))
    router.message.register(vote_admin_command, chat_filter, Command(*VOTE_ADMIN_NAMES, ignore_case=True))
    router.callback_query.register(on_vote_button, VoteButton.filter())
    return router
