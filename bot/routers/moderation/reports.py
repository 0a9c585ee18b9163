"""/report (or "@admin" in a message): tell the admins, in the log chat or by mention.

Reports close in time share one log-chat post: the first report sends it, later ones edit it
(one edit for any number arriving together), so a burst of reports is one post naming every
reporter. The chat hears "admins notified" once per reported message."""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import Message

from archive.store import post_url
from bot.i18n import DEFAULT_LANG, Translator
from bot.middlewares.outgoing import cheap_sends
from bot.messages import join_within
from moderation import Action, check

from .actors import message_actor
from .answers import reply
from .context import ChatModeration
from .names import excerpt, sender_html, user_link

log = logging.getLogger(__name__)
CALL_ADMINS = re.compile(r"(?<![\w@])@admins?\b", re.IGNORECASE)
MAX_COMPLAINTS = 10  # reported messages in one post
SHOWN_REPORTERS = 10


def calls_admins(message: Message) -> bool:
    """ "@admin" / "@admins" anywhere in the text or caption."""
    return bool(CALL_ADMINS.search(message.text or message.caption or ""))


@dataclass
class Complaint:
    """One reported message (or one call for admins) and everyone who reported it."""
    about: str | None  # the reported sender; None: a call for admins about nothing in particular
    link: str
    quote: str
    reporters: dict[int, str] = field(default_factory=dict)  # sender id -> name html

    def html(self, t: Translator) -> str:
        names = list(self.reporters.values())
        shown = ", ".join(names[:SHOWN_REPORTERS])
        if len(names) > SHOWN_REPORTERS:
            shown += " " + t("list_more", n=len(names) - SHOWN_REPORTERS)
        if self.about is None:
            head = t("mod_report_call", reporter=shown)
        elif len(names) == 1:
            head = t("mod_report_head", reporter=shown, about=self.about)
        else:
            head = t("mod_reports_head", reporters=shown, about=self.about)
        lines = [head, t("mod_report_link", link=self.link)]
        if self.quote:
            lines.append(f"<blockquote>{self.quote}</blockquote>")
        return "\n".join(lines)


@dataclass
class LogPost:
    opened_at: float
    complaints: dict[tuple[int, int], Complaint] = field(default_factory=dict)
    message_id: int | None = None
    version: int = 0  # bumped by every new reporter
    shown: int = 0  # the version the log chat shows

    def html(self) -> str:
        t = Translator(DEFAULT_LANG)
        return join_within([c.html(t) for c in self.complaints.values()], lambda n: t("list_more", n=n))


class ReportDesk:
    """The open log-chat post of one dispatcher: reports within `report_merge_seconds` of its
    first join it, up to MAX_COMPLAINTS reported messages."""

    def __init__(self) -> None:
        self.post: LogPost | None = None
        self.lock = asyncio.Lock()

    def file(self, key: tuple[int, int], complaint: Complaint, reporter: int, reporter_html: str,
             now: float, window: float) -> tuple[LogPost, bool]:
        """Add the report; the post it belongs to, and whether the message is newly reported."""
        post = self.post
        if (post is None or window <= 0 or now > post.opened_at + window
                or (key not in post.complaints and len(post.complaints) >= MAX_COMPLAINTS)):
            post = self.post = LogPost(opened_at=now)
        new = key not in post.complaints
        complaint = post.complaints.setdefault(key, complaint)
        if reporter not in complaint.reporters:
            complaint.reporters[reporter] = reporter_html
            post.version += 1
        return post, new

    async def publish(self, bot: Bot, chat_id: int, post: LogPost) -> None:
        """Bring the log chat up to date with `post`: send it, or edit it with every report so far."""
        async with self.lock:
            if post.shown >= post.version:
                return  # a report that came together with this one has shown it already
            version, text = post.version, post.html()
            if post.message_id is not None:
                try:
                    await bot.edit_message_text(text, chat_id=chat_id, message_id=post.message_id,
                                                disable_web_page_preview=True)
                    post.shown = version
                    return
                except TelegramBadRequest as exc:
                    if "not modified" in (exc.message or ""):
                        post.shown = version
                        return
                    log.warning("could not update the report post, sending it anew: %s", exc)
            sent = await bot.send_message(chat_id, text, disable_web_page_preview=True)
            post.message_id, post.shown = sent.message_id, version

    async def report(self, message: Message, bot: Bot, moderation: ChatModeration, t) -> None:
        actor, _ = await message_actor(bot, moderation, message)
        decision = check(actor, Action.REPORT)
        if not decision:
            await reply(message, t(f"mod_denied_{decision.reason_code}", right=""))
            return
        log_chat = moderation.settings.log_chat_id
        if log_chat is not None:
            try:
                if await self.tell_log_chat(bot, moderation, message, log_chat):
                    with cheap_sends():
                        await reply(message, t("mod_report_sent"))
                return
            except TelegramAPIError as exc:
                log.warning("could not post a report to the log chat: %s", exc)
        admins = [a for a in moderation.store.admins(message.chat.id) if a.user_id != bot.id]
        mentions = ", ".join(user_link(a.user_id, moderation.known.name(a.user_id) or "admin") for a in admins)
        await reply(message, t("mod_report_mention", admins=mentions or "—"))

    async def tell_log_chat(self, bot: Bot, moderation: ChatModeration, message: Message, log_chat: int) -> bool:
        """File the report and update the log chat; True if the reported message is new there."""
        reported = message.reply_to_message or message
        complaint = Complaint(
            about=sender_html(reported) if message.reply_to_message else None,
            link=post_url(message.chat.id, reported.message_id, message.chat.username),
            quote=excerpt(reported))
        reporter = message.sender_chat.id if message.sender_chat else message.from_user.id
        post, new = self.file((message.chat.id, reported.message_id), complaint, reporter,
                              sender_html(message), moderation.clock.now(),
                              moderation.settings.report_merge_seconds)
        await self.publish(bot, log_chat, post)
        return new


def build_router(chat_filter) -> Router:
    router = Router(name=__name__)
    desk = ReportDesk()
    router.message.register(desk.report, chat_filter, Command("report", "жалоба", ignore_case=True))
    router.message.register(desk.report, chat_filter, calls_admins)
    return router
