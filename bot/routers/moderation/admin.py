"""Admin commands: /ban /unban /kick /mute /unmute /warn /unwarn /warns /del /setrules.

Each handler: who is acting (fresh from Telegram), may they (moderation.check), whom
(reply, @username or id), may that one be touched (can_be_targeted), do it, record it,
answer briefly. Telegram refusals become one clear sentence, never a traceback.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.i18n import DEFAULT_LANG, Translator
from bot.render import escape
from bot.render_durations import duration_error_text, humanize
from moderation import Action, Actor, Duration, Punishment, can_be_targeted, check, split_term

from . import audit
from .actors import message_actor
from .answers import api_problem, reply
from .context import ChatModeration
from .names import clip, sender_html
from .punishments import apply_punishment, lift
from .targets import Resolved, TargetError, resolve
from .votekick import punishment_text

log = logging.getLogger(__name__)


# -- shared steps -----------------------------------------------------------------------------

async def gate(message: Message, bot: Bot, moderation: ChatModeration, action: Action, t) -> Actor | None:
    """The acting identity if it may do ``action``; else answers why and returns None."""
    actor, _ = await message_actor(bot, moderation, message)
    decision = check(actor, action)
    if not decision:
        await reply(message, t(f"mod_denied_{decision.reason_code}", right=t(f"mod_right_{decision.right}")))
        return None
    return actor


async def target_of(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t,
                    protect: bool = True) -> Resolved | None:
    try:
        res = await resolve(bot, moderation, message, command.args)
    except TargetError as exc:
        await reply(message, t(f"mod_target_{exc.code}", who=escape(exc.params.get("who", "")),
                               command=command.command))
        return None
    if protect:
        allowed = can_be_targeted(res.actor, by_vote=False)
        if not allowed:
            await reply(message, t(f"mod_target_protected_{res.actor.kind.value}", name=res.name))
            return None
    return res


async def term_or_refuse(message: Message, kind: str, args: str, t, lang: str,
                         now: float) -> tuple[bool, Duration | None, str]:
    """(go on?, the term, the reason) from a /ban or /mute's arguments. A mute needs a term; a ban
    without one is permanent (the reply says so). Refusals are answered here."""
    term = split_term(args)
    if term.error is not None:
        await reply(message, duration_error_text(term.error, t))
        return False, None, term.reason
    if term.duration is None and kind == "mute":
        given = t("mod_mute_bad_term", text=escape(clip(term.reason, 40))) if term.reason else t("mod_mute_no_term")
        await reply(message, f"{given} {t('mod_mute_usage')}")
        return False, None, term.reason
    if term.duration is not None:
        until = term.duration.telegram_until(now)
        if until.warning:
            await reply(message, t("mod_duration_would_be_forever", term=humanize(term.duration.seconds, lang),
                                   why=t(f"mod_duration_{until.warning}")))
            return False, None, term.reason
    return True, term.duration, term.reason


def reason_line(reason: str, t) -> str:
    return "\n" + t("mod_reason", reason=escape(reason)) if reason else ""


async def log_action(bot: Bot, moderation: ChatModeration, message: Message, actor: Actor, res: Resolved,
                     action: str, reason: str = "", seconds: int | None = None, ref: str | None = None,
                     outcome: str = "done", source: str = "admin"):
    return await audit.record(
        bot, moderation, chat_id=message.chat.id, actor_id=actor.id, actor_kind=actor.kind.value,
        actor_name=sender_html(message), target_id=res.actor.id, target_kind=res.actor.target_kind,
        target_name=res.name, action=action, source=source, outcome=outcome, reason=reason[:500],
        seconds=seconds, ref=ref)


async def punish(message: Message, bot: Bot, moderation: ChatModeration, t, actor: Actor, res: Resolved,
                 punishment: Punishment, reason: str, source: str = "admin") -> Punishment | None:
    """Carry out and record; on a Telegram refusal answer why and return None."""
    try:
        done = await apply_punishment(bot, message.chat.id, res.target, punishment, moderation.clock.now())
    except TelegramAPIError as exc:
        await reply(message, api_problem(exc, t))
        return None
    await log_action(bot, moderation, message, actor, res, done.kind, reason, done.seconds, source=source)
    return done


# -- commands ----------------------------------------------------------------------------------

async def ban(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t,
              lang: str) -> None:
    await _restrict(message, command, bot, moderation, t, lang, "ban", Action.BAN)


async def mute(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t,
               lang: str) -> None:
    await _restrict(message, command, bot, moderation, t, lang, "mute", Action.MUTE)


async def person_target(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t,
                        action: Action):
    """(acting admin, target) for an action on a person; None once the refusal is answered."""
    actor = await gate(message, bot, moderation, action, t)
    res = actor and await target_of(message, command, bot, moderation, t)
    if res is None:
        return None
    if res.actor.target_kind == "chat":  # a channel identity can only be banned
        await reply(message, t("mod_channel_ban_only"))
        return None
    return actor, res


async def kick(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    found = await person_target(message, command, bot, moderation, t, Action.KICK)
    if found is None:
        return
    actor, res = found
    if res.member is not None and res.member.status in ("kicked", "left"):
        # A kick is ban + unban: on someone already out it would lift their ban.
        await reply(message, t("mod_not_in_chat", name=res.name))
        return
    done = await punish(message, bot, moderation, t, actor, res, Punishment("kick"), res.args)
    if done:
        await reply(message, t("mod_done_kick", name=res.name) + reason_line(res.args, t))


async def _restrict(message, command, bot, moderation, t, lang, kind: str, action: Action) -> None:
    actor = await gate(message, bot, moderation, action, t)
    res = actor and await target_of(message, command, bot, moderation, t)
    if res is None:
        return
    if kind == "mute" and res.actor.target_kind == "chat":
        await reply(message, t("mod_channel_ban_only"))
        return
    ok, duration, reason = await term_or_refuse(message, kind, res.args, t, lang, moderation.clock.now())
    if not ok:
        return
    seconds = duration.seconds if duration else None
    done = await punish(message, bot, moderation, t, actor, res, Punishment(kind, seconds), reason)
    if done:
        text = t("mod_done_punished", name=res.name, outcome=punishment_text(done, t)) + reason_line(reason, t)
        if duration is None:  # no term given: say it is for ever and how to do otherwise
            text += "\n" + t("mod_ban_without_term")
        await reply(message, text)


async def unban(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    await _lift(message, command, bot, moderation, t, "unban", Action.UNBAN)


async def unmute(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    await _lift(message, command, bot, moderation, t, "unmute", Action.UNMUTE)


async def _lift(message, command, bot, moderation, t, what: str, action: Action) -> None:
    actor = await gate(message, bot, moderation, action, t)
    res = actor and await target_of(message, command, bot, moderation, t, protect=False)
    if res is None:
        return
    if not can_be_targeted(res.actor, by_vote=False):
        await reply(message, t("mod_nothing_to_lift", name=res.name))
        return
    kind = "unban" if res.actor.target_kind == "chat" else what
    member = res.member  # fresh; None for a channel
    if kind == "unban" and member is not None and member.status != "kicked":
        await reply(message, t("mod_not_banned", name=res.name))
        return
    if kind == "unmute" and member is not None and (
            member.status != "restricted" or getattr(member, "can_send_messages", False)):
        await reply(message, t("mod_not_muted", name=res.name))
        return
    try:
        await lift(bot, message.chat.id, res.actor.id, res.actor.target_kind, kind)
    except TelegramAPIError as exc:
        await reply(message, api_problem(exc, t))
        return
    await log_action(bot, moderation, message, actor, res, kind, res.args)
    await reply(message, t(f"mod_done_{kind}", name=res.name))


async def warn(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    found = await person_target(message, command, bot, moderation, t, Action.WARN)
    if found is None:
        return
    actor, res = found
    reason = res.args
    result = moderation.warns.add(message.chat.id, res.actor.id, actor.id, moderation.clock.now(), reason[:500])
    await log_action(bot, moderation, message, actor, res, "warn", reason, ref=str(result.warn.id))
    text = t("mod_done_warn", name=res.name, n=result.active, limit=result.limit) + reason_line(reason, t)
    if result.punishment is not None:
        done = await punish(message, bot, moderation, t, actor, res, result.punishment,
                            Translator(DEFAULT_LANG)("mod_warn_limit_reason", limit=result.limit),  # for the log
                            source="warn-limit")
        if done is not None:
            text += "\n" + t("mod_warn_limit_reached", name=res.name, outcome=punishment_text(done, t))
    await reply(message, text)


async def unwarn(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    actor = await gate(message, bot, moderation, Action.UNWARN, t)
    res = actor and await target_of(message, command, bot, moderation, t, protect=False)
    if res is None:
        return
    removed = moderation.warns.remove_last(message.chat.id, res.actor.id, actor.id, moderation.clock.now())
    if removed is None:
        await reply(message, t("mod_no_warns", name=res.name))
        return
    await log_action(bot, moderation, message, actor, res, "unwarn", res.args, ref=str(removed.id))
    left = len(moderation.warns.active(message.chat.id, res.actor.id, moderation.clock.now()))
    await reply(message, t("mod_done_unwarn", name=res.name, n=left, limit=moderation.warns.policy.limit))


async def warns(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    actor = await gate(message, bot, moderation, Action.WARNS, t)
    if actor is None:
        return
    if message.reply_to_message is None and not (command.args or "").strip():
        res = Resolved(actor, sender_html(message), "")
    else:
        res = await target_of(message, command, bot, moderation, t, protect=False)
        if res is None:
            return
    active = moderation.warns.active(message.chat.id, res.actor.id, moderation.clock.now())
    if not active:
        await reply(message, t("mod_no_warns", name=res.name))
        return
    tz = ZoneInfo(moderation.settings.timezone)
    lines = [t("mod_warns_head", name=res.name, n=len(active), limit=moderation.warns.policy.limit)]
    for w in active:
        when = datetime.fromtimestamp(w.created_at, tz).strftime("%d.%m.%Y")
        lines.append(f"• {when}: {escape(w.reason) or '—'}")
    await reply(message, "\n".join(lines))


async def delete(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    actor = await gate(message, bot, moderation, Action.DEL, t)
    if actor is None:
        return
    replied = message.reply_to_message
    if replied is None:
        await reply(message, t("mod_del_usage"))
        return
    try:
        await bot.delete_message(message.chat.id, replied.message_id)
    except TelegramAPIError as exc:
        await reply(message, api_problem(exc, t))
        return
    try:
        await message.delete()
    except TelegramAPIError:
        pass
    try:
        res = await resolve(bot, moderation, message, None)
    except TargetError:
        return
    await log_action(bot, moderation, message, actor, res, "del", (command.args or "").strip())


async def setrules(message: Message, command: CommandObject, bot: Bot, moderation: ChatModeration, t) -> None:
    actor = await gate(message, bot, moderation, Action.SETRULES, t)
    if actor is None:
        return
    text = (command.args or "").strip()
    if not text and message.reply_to_message is not None:
        text = (message.reply_to_message.text or message.reply_to_message.caption or "").strip()
    if not text:
        await reply(message, t("mod_setrules_usage"))
        return
    moderation.store.set_rules(message.chat.id, text[:4000], moderation.clock.now())
    me = Resolved(Actor.channel(message.chat.id), escape(message.chat.title or str(message.chat.id)), "")
    await log_action(bot, moderation, message, actor, me, "setrules", text[:200])
    await reply(message, t("mod_done_setrules"))


COMMANDS = (
    (ban, ("ban", "бан")), (unban, ("unban", "разбан")), (kick, ("kick",)),
    (mute, ("mute", "мут")), (unmute, ("unmute", "размут")), (warn, ("warn", "варн")),
    (unwarn, ("unwarn",)), (warns, ("warns",)), (delete, ("del", "delete")),
    (setrules, ("setrules",)),
)
COMMAND_NAMES = tuple(name for _, names in COMMANDS for name in names)


def build_router(chat_filter) -> Router:
    router = Router(name=__name__)
    for handler, names in COMMANDS:
        router.message.register(handler, chat_filter, Command(*names, ignore_case=True))
    return router
