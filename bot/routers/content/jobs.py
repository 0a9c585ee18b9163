"""ContentJobs: the content feature's scheduler and the jobs it runs, holding what they need.

One per dispatcher, made in `setup()` and given to handlers as `content_jobs`. It starts
on dispatcher startup (inside the running loop, with the Bot), rebuilds every job from
the content tables (`restore`), and stops on dispatcher shutdown. The jobs are its
methods and take ids only. Each is idempotent: it claims its key in a content table
before sending (claim first: a crash right after a send can never cause a repeat),
re-reads the current state (a cancelled event, a moved start, a withdrawn post are
skipped), and a second run for the same key does nothing.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.triggers.date import DateTrigger

from archive.digest import build_digest, week_key
from bot.render_archive import render_digest
from archive.events import Event, events_from_posts, extract_events
from archive.models import Post
from bot.i18n import DEFAULT_LANG, Translator
from bot.routers.content.common import can_post_to_channel, channel_url, in_thread
from bot.routers.content.drafts import send_content
from bot.routers.content.event_texts import reminder_text
from bot.routers.content.scheduler import (DIGEST_GRACE, DIGEST_JOB, POST_GRACE, digest_trigger, is_reminder_of,
                                           make_scheduler, missed_run, moment, post_job_id, post_of_job,
                                           reminder_job_id)
from bot.routers.ingest import incoming_post
from bot.services import Services
from content.digests import DigestStatus, digest_window
from content.events import EventRecord, Reminder, channel_moved, is_followed, is_stale, reminders
from content.posts import PostRecord, PostStatus, is_too_late
from content.store import ContentStore

log = logging.getLogger(__name__)

ANNOUNCE_WINDOW = 30 * 86400  # earlier posts a new announcement may repeat


class Outcome(StrEnum):
    """What a job (or a publish) did."""

    SENT = "sent"
    ALREADY_SENT = "already sent"
    STALE = "stale"  # the event was cancelled or moved
    LATE = "late"  # the event has started
    NO_CHAT = "no chat"
    EMPTY = "empty"  # nothing new for a digest
    NOT_SCHEDULED = "not scheduled"
    NO_RIGHTS = "no rights"
    PUBLISHED = "published"
    FAILED = "failed"
    GONE = "gone"  # another press or run moved the post first


class ContentJobs:
    def __init__(self, services: Services, store: ContentStore):
        self.services = services
        self.settings = services.settings
        self.clock = services.clock
        self.store = store
        self.scheduler = make_scheduler(self.settings.timezone)
        self._bot: Bot | None = None

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            raise RuntimeError("the content jobs ran before the bot started")
        return self._bot

    # -- life cycle ----------------------------------------------------------------------
    async def start(self, bot: Bot) -> None:
        """Dispatcher startup: run the scheduler and rebuild every job from the content tables."""
        self._bot = bot
        if not self.scheduler.running:
            self.scheduler.start()
            self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self.schedule_digest()
        try:
            await self.restore()
        except Exception:  # noqa: BLE001 - a bad row must not keep the bot from starting
            log.exception("content: restoring scheduled work failed")

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def restore(self) -> None:
        """Records for announcements that reached the archive without the hook (an import), then
        the reminders and scheduled posts of every record; posts too late now are marked missed."""
        now = self.clock.now()
        tz, since = self.settings.timezone, int(now) - ANNOUNCE_WINDOW
        self.track(await in_thread(self.services, lambda archive: extract_events(archive, tz, since=since)), now)
        for record in self.store.events():
            if record.starts_at and record.starts_at > now:
                self.schedule_reminders(record, now, catch_up=True)
        counts = {"rescheduled": 0, "missed": 0}
        for post in self.store.posts(PostStatus.SCHEDULED):
            if is_too_late(post.publish_at, now, POST_GRACE):
                counts["missed"] += 1
                await self.missed(post.id)
            else:
                counts["rescheduled"] += 1
                self.schedule_post(post.id, post.publish_at)
        log.info("scheduled posts at startup: %s", counts)

    # -- scheduling ----------------------------------------------------------------------
    def at(self, timestamp: float, tz: str | None = None) -> DateTrigger:
        """A trigger for the moment the adapter's clock reads `timestamp` (the scheduler runs on
        wall time; the sandbox's clock may be elsewhere)."""
        return DateTrigger(moment(self.clock.to_wall(timestamp), tz or self.settings.timezone))

    def schedule_digest(self, catch_up: bool = True) -> None:
        """The next weekly digest by the clock; with `catch_up`, one due within the grace period
        (the bot was down at that time) goes out now."""
        if not self.settings.digest_enabled:
            if self.scheduler.get_job(DIGEST_JOB):
                self.scheduler.remove_job(DIGEST_JOB)
            return
        trigger, now = digest_trigger(self.settings), moment(self.clock.now(), self.settings.timezone)
        due = (missed_run(trigger, now, DIGEST_GRACE) if catch_up else None) or \
            trigger.get_next_fire_time(None, now + timedelta(seconds=1))
        self.scheduler.add_job(self.weekly_digest_job, self.at(due.timestamp()), id=DIGEST_JOB,
                               name="weekly digest", replace_existing=True, misfire_grace_time=DIGEST_GRACE,
                               coalesce=True)

    async def weekly_digest_job(self) -> Outcome:
        """The scheduled run: this week's digest, then the next week's run."""
        try:
            return await self.send_weekly_digest()
        finally:
            self.schedule_digest(catch_up=False)

    def clock_moved(self, seconds: float) -> None:
        """The clock jumped `seconds` ahead (the sandbox): pending jobs come that much sooner."""
        for job in self.scheduler.get_jobs():
            if job.next_run_time is not None:
                job.modify(next_run_time=job.next_run_time - timedelta(seconds=seconds))

    def next_due(self) -> float | None:
        """When, by the clock, the next pending job runs (None: nothing pending)."""
        times = [job.next_run_time.timestamp() for job in self.scheduler.get_jobs() if job.next_run_time]
        return min(times) + self.clock.offset if times else None

    def schedule_reminders(self, record: EventRecord, now: float, catch_up: bool = False) -> list[str]:
        """(Re)schedule the reminders of an event not sent yet; returns the job ids now pending.

        Old reminders of the event are removed first (an edit moves them).
        """
        self.unschedule_reminders(record.id)
        ids = []
        for r in reminders(record, self.settings.reminder_offsets, now, catch_up):
            if self.store.is_claimed(r):
                continue
            job_id = reminder_job_id(r.event_id, r.offset)
            self.scheduler.add_job(self.send_reminder, self.at(r.fire_at, record.tz), id=job_id,
                                   args=[r.event_id, r.offset, r.starts_at], name=f"reminder {record.title[:40]}",
                                   replace_existing=True, coalesce=True, misfire_grace_time=r.grace)
            ids.append(job_id)
        return ids

    def unschedule_reminders(self, event_id: int) -> None:
        for job in self.scheduler.get_jobs():
            if is_reminder_of(job.id, event_id):
                job.remove()

    def schedule_post(self, post_id: int, publish_at: int) -> str:
        job_id = post_job_id(post_id)
        self.scheduler.add_job(self.publish_scheduled, self.at(publish_at), id=job_id, args=[post_id], name=f"post {post_id}", replace_existing=True,
                               coalesce=True, misfire_grace_time=POST_GRACE)
        return job_id

    def unschedule_post(self, post_id: int) -> None:
        job = self.scheduler.get_job(post_job_id(post_id))
        if job:
            job.remove()

    # -- events announced in the channel ---------------------------------------------------
    def track(self, found: list[Event], now: float) -> list[EventRecord]:
        """Give upcoming announced events a record; new or moved ones get their reminders (re)scheduled.

        Returns the records made or changed. An event an admin edited keeps the admin's
        time; a cancelled one stays cancelled.
        """
        changed = []
        for event in found:
            if not is_followed(event, now):
                continue
            record = self.store.event_by_anchor(event.message_ids)
            if record is None:
                record = self.store.add_channel_event(event, now)
            elif channel_moved(record, event):
                record = self.store.follow_channel(record.id, event, now)
            else:
                continue
            self.schedule_reminders(record, now)
            changed.append(record)
        return changed

    async def on_channel_post(self, post: Post) -> list[EventRecord]:
        """A new or edited channel post: if it announces an event, keep its record and reminders."""
        tz = self.settings.timezone

        def announced(archive) -> list[Event]:
            posts = archive.posts(since=post.date - ANNOUNCE_WINDOW, until=post.date + 1, newest_first=False)
            return [e for e in events_from_posts(posts, tz) if post.message_id in e.message_ids]

        found = await in_thread(self.services, announced)
        return self.track(found, self.clock.now()) if found else []

    # -- the jobs ------------------------------------------------------------------------------
    async def send_reminder(self, event_id: int, offset: int, starts_at: int) -> Outcome:
        """Remind the chat of an event `offset` seconds before `starts_at`."""
        record = self.store.event(event_id)
        if is_stale(record, starts_at):
            return Outcome.STALE
        now = self.clock.now()
        if now >= starts_at:
            return Outcome.LATE
        chat_id = self.settings.chat_id
        if chat_id is None:
            return Outcome.NO_CHAT
        reminder = Reminder(event_id, offset, starts_at, starts_at - offset)
        if not self.store.claim_reminder(reminder, now):
            return Outcome.ALREADY_SENT
        try:
            message = await self.bot.send_message(chat_id, reminder_text(record, now, Translator(DEFAULT_LANG)),
                                                  disable_web_page_preview=True)
        except Exception:
            self.store.release_reminder(reminder)  # not sent: let a later run try again
            raise
        self.store.reminder_sent(reminder, message.message_id)
        return Outcome.SENT

    async def send_weekly_digest(self) -> Outcome:
        """This week's digest into the chat unless the week already has one; nothing new, no digest."""
        chat_id, tz = self.settings.chat_id, self.settings.timezone
        if chat_id is None:
            return Outcome.NO_CHAT
        now = self.clock.now()
        week = week_key(int(now), tz)
        since, until = digest_window(self.store.last_digest(), now, tz)
        if not self.store.claim_digest(week, since, until, now):
            return Outcome.ALREADY_SENT
        try:
            digest = await in_thread(self.services, lambda archive: build_digest(archive, since, until, tz=tz))
            if digest is None:
                self.store.finish_digest(week, DigestStatus.EMPTY)
                return Outcome.EMPTY
            message = await self.bot.send_message(chat_id, render_digest(digest, DEFAULT_LANG),
                                                  disable_web_page_preview=True)
        except Exception:
            self.store.release_digest(week)  # not sent: the week stays open for another try
            raise
        self.store.finish_digest(week, DigestStatus.SENT, chat_id, message.message_id)
        log.info("digest %s sent: %d items", week, digest.total)
        return Outcome.SENT

    async def publish_scheduled(self, post_id: int) -> Outcome:
        """Publish a scheduled post once, if its author may still post to the channel; tell the author."""
        post = self.store.post(post_id)
        if post is None or post.status is not PostStatus.SCHEDULED:
            return Outcome.NOT_SCHEDULED
        t = Translator(post.lang)
        if not await can_post_to_channel(self.bot, self.services, post.author_id):
            if self.store.move_post(post_id, PostStatus.SCHEDULED, PostStatus.FAILED, self.clock.now(),
                                    error="no right to post"):
                await self.tell(post.author_id, t("post_fire_no_rights", id=post_id))
            return Outcome.NO_RIGHTS
        outcome, message = await self.publish(post, PostStatus.SCHEDULED)
        if outcome is Outcome.PUBLISHED:
            await self.tell(post.author_id, t("post_fired", id=post_id, url=channel_url(self.services, message)))
        elif outcome is Outcome.FAILED:
            await self.tell(post.author_id, t("post_failed"))
        return outcome

    async def missed(self, post_id: int) -> None:
        """A scheduled post whose time passed beyond the grace period (the bot was down too long)."""
        post = self.store.post(post_id)
        if post and self.store.move_post(post_id, PostStatus.SCHEDULED, PostStatus.MISSED, self.clock.now()):
            await self.tell(post.author_id, Translator(post.lang)("post_missed", id=post_id))

    def _on_missed(self, event: JobEvent) -> None:
        """Scheduler listener: a post job dropped as too late marks its post missed and tells the author."""
        post_id = post_of_job(event.job_id)
        if post_id is not None and self._bot is not None:
            asyncio.get_running_loop().create_task(self.missed(post_id))

    # -- publishing ----------------------------------------------------------------------------
    async def publish(self, post: PostRecord, source: PostStatus) -> tuple[Outcome, Message | None]:
        """Claim the post (source -> publishing), send it to the channel, record the result.

        (PUBLISHED, the channel message), or (GONE | FAILED, None).
        """
        if not self.store.move_post(post.id, source, PostStatus.PUBLISHING, self.clock.now()):
            return Outcome.GONE, None
        try:
            message = await self._to_channel(post)
        except TelegramAPIError as exc:
            log.warning("publishing post %s failed: %s", post.id, exc)
            self.store.move_post(post.id, PostStatus.PUBLISHING, PostStatus.FAILED, self.clock.now(),
                                 error=str(exc)[:500])
            return Outcome.FAILED, None
        self.store.move_post(post.id, PostStatus.PUBLISHING, PostStatus.PUBLISHED, self.clock.now(),
                             channel_message_id=message.message_id)
        return Outcome.PUBLISHED, message

    async def _to_channel(self, post: PostRecord) -> Message:
        """Send, store in the archive at once (no update comes for the bot's own messages), track events."""
        message = await send_content(self.bot, self.settings.channel_id, post.content)
        await self.services.ingest(incoming_post(message))
        stored = self.services.archive.get(message.chat.id, message.message_id)
        if stored is not None:
            try:
                await self.on_channel_post(stored)
            except Exception:  # noqa: BLE001 - the post is out; reminders are best effort
                log.exception("reading events from published post %s failed", message.message_id)
        return message

    async def tell(self, user_id: int, text: str) -> None:
        """A note to a person in private; one who blocked the bot just misses it."""
        with contextlib.suppress(TelegramAPIError):
            await self.bot.send_message(user_id, text, disable_web_page_preview=True)
