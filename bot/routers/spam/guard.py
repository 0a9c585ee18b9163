"""SpamGuard: the spam feature's long-lived objects, given to handlers as `spam`: the filter
(built at start-up off the event loop), the reports, the newcomer window; and what the check
reads of a Telegram message."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable

from aiogram.types import InlineKeyboardMarkup, Message, MessageOriginChannel
from sqlite_utils import Database

from bot.settings import Settings
from bot.spam_model import load_encoder
from moderation import AuditRecord, identify
from moderation.spam import LearnedSample, MessageFacts, SampleStore, SpamFilter, SpamSettings, Verdict, should_check
from moderation.spam.model import Encode

from ..moderation import ChatModeration
from .reports import SpamReports

log = logging.getLogger(__name__)
SAMPLE_REF = "spam_sample:"  # an audit record's ref naming the sample its action taught


@dataclass
class SpamGuard:
    """The community chat's spam check: who it reads, the filter, the reports shown to the admins."""

    settings: SpamSettings
    enabled: bool
    db: Database
    reports: SpamReports
    load: Callable[[], Encode] = load_encoder
    filter: SpamFilter | None = None  # None until started (or when the model failed to load)

    @classmethod
    def create(cls, settings: Settings, db: Database) -> "SpamGuard":
        s = settings
        window = SpamSettings(newcomer_messages=s.spam_newcomer_messages, newcomer_days=s.spam_newcomer_days,
                              high=s.spam_high, low=s.spam_low)
        return cls(settings=window, enabled=s.spam_check, db=db, reports=SpamReports(db))

    async def start(self) -> None:
        """Load the model and train on the starting and learned samples (seconds, in a thread)."""
        if not self.enabled or self.filter is not None:
            return
        try:
            self.filter = await asyncio.to_thread(
                lambda: SpamFilter(self.load(), SampleStore(self.db), settings=self.settings))
        except Exception:  # noqa: BLE001 - the bot runs on without the check, and says so
            log.exception("the spam check could not start: newcomers' messages go unchecked")

    async def check(self, facts: MessageFacts, now: float) -> Verdict | None:
        return None if self.filter is None else await asyncio.to_thread(self.filter.check, facts, now)

    async def learn(self, text: str, is_spam: bool, now: float, *, added_by: int,
                    source: str) -> LearnedSample | None:
        """Teach a sample: in effect for the next message (without a model: stored for the next start)."""
        if self.filter is None:
            return SampleStore(self.db).add(text, is_spam, now, added_by=added_by, source=source) \
                if text.strip() else None
        return await asyncio.to_thread(self.filter.learn, text, is_spam, now, added_by=added_by, source=source)

    async def undone(self, record: AuditRecord) -> None:
        """An admin undid an action that taught a sample (a ban for spam): the sample goes too."""
        if record.source != "spam" or not (record.ref or "").startswith(SAMPLE_REF):
            return
        sample_id = int(record.ref[len(SAMPLE_REF):])
        if self.filter is None:
            SampleStore(self.db).remove(sample_id)
        else:
            await asyncio.to_thread(self.filter.forget, sample_id)

    def checks(self, moderation: ChatModeration, message: Message, bot_id: int, now: float) -> bool:
        """Whether the check reads this message: a text or caption in the community chat from a
        person, or a person writing as one of their channels, inside the newcomer window (not an
        admin by the cached list, never the chat itself nor our channel)."""
        user, channel = message.from_user, message.sender_chat
        if (not self.enabled or not moderation.in_community(message.chat.id) or user is None
                or (channel is not None and not moderation.foreign_channel(message))
                or (channel is None and user.is_bot) or not (message.text or message.caption)):
            return False
        admin = None if channel else moderation.store.admin(message.chat.id, user.id)
        sender = identify(chat_id=message.chat.id, from_id=user.id, bot_id=bot_id,
                          sender_chat_id=channel.id if channel else None,
                          admin_status=admin.status if admin else None)
        count, joined_at = moderation.store.activity(message.chat.id, sender.id)
        # An edited message was counted when it came; a new one is not counted yet.
        before = max(count - 1, 0) if message.edit_date else count
        return should_check(sender, before, joined_at, now, self.settings,
                            linked_channel_id=moderation.settings.channel_id)


def sample_ref(sample: LearnedSample | None) -> str | None:
    return f"{SAMPLE_REF}{sample.id}" if sample else None


def facts_of(message: Message) -> MessageFacts:
    """The text or caption, its entities, the links of its buttons (a post via an inline bot),
    whether it is forwarded from a channel and, for an edit, when it was first posted."""
    has_text = message.text is not None
    markup = message.reply_markup
    urls = tuple(b.url for row in markup.inline_keyboard for b in row if b.url) \
        if isinstance(markup, InlineKeyboardMarkup) else ()
    return MessageFacts.of(
        message.text if has_text else message.caption,
        (message.entities if has_text else message.caption_entities) or (),
        urls=urls, forwarded_from_channel=isinstance(message.forward_origin, MessageOriginChannel),
        is_edit=message.edit_date is not None, posted_at=message.date.timestamp())
