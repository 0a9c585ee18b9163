"""Streams and surveys: /stream, /survey, /events, and admin /event add|edit|cancel.

Events come from channel posts that announce them (read from the archive by
archive.events) and from admins' commands; content.events merges the two and
ContentJobs keeps their records and reminders (see jobs.py).
"""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from archive.dates import WhenError, parse_when, split_when
from archive.events import LIVE_KINDS, extract_events, next_stream, open_surveys, upcoming
from bot.messages import join_within
from bot.render import escape
from bot.routers.content.common import WHEN_EXAMPLES, in_thread, is_chat_admin, when_problem, when_text
from bot.routers.content.event_texts import event_line
from bot.routers.content.jobs import ContentJobs
from bot.services import Services
from content.events import EventRecord, Shown, merge
from content.store import ContentStore

LOOKBACK = 180 * 86400  # how far back /stream and /events read announcements


async def current_events(services: Services, store: ContentStore, now: float,
                         lookback: int | None = LOOKBACK) -> list[Shown]:
    """Events announced within `lookback` seconds (None: the whole archive), records applied."""
    tz = services.settings.timezone
    since = int(now) - lookback if lookback is not None else None
    found = await in_thread(services, lambda archive: extract_events(archive, tz, since=since))
    return merge(found, store.events(status=None))


# -- user commands ----------------------------------------------------------------------
def _past_live(events, now: float):
    return [e for e in events if e.kind in LIVE_KINDS and e.starts_at and e.starts_at <= now]


async def stream_command(message: Message, services: Services, content_store: ContentStore, t) -> None:
    now = services.clock.now()
    shown = await current_events(services, content_store, now)
    ids = {id(s.event): s.id for s in shown}
    events = [s.event for s in shown]
    nxt = next_stream(events, now)
    if nxt:
        await message.answer(t("stream_next") + "\n" + event_line(Shown(nxt, ids.get(id(nxt))), t),
                             disable_web_page_preview=True)
        return
    past = _past_live(events, now)
    if not past:  # a quiet half-year: look through the whole archive for the last one
        past = _past_live([s.event for s in await current_events(services, content_store, now, None)], now)
    if not past:
        await message.answer(t("stream_none"))
        return
    last = max(past, key=lambda e: e.starts_at)
    text = t("stream_last") + "\n" + event_line(Shown(last), t)
    if not last.recording_url:
        text += "\n" + t("stream_no_recording")
    await message.answer(text, disable_web_page_preview=True)


async def survey_command(message: Message, services: Services, content_store: ContentStore, t) -> None:
    now = services.clock.now()
    surveys = open_surveys([s.event for s in await current_events(services, content_store, now)], now)
    if not surveys:
        await message.answer(t("survey_none"))
        return
    lines = [t("survey_header")] + [event_line(Shown(e), t) for e in surveys]
    await message.answer(join_within(lines, lambda n: t("list_more", n=n)), disable_web_page_preview=True)


async def events_command(message: Message, services: Services, content_store: ContentStore, t) -> None:
    now = services.clock.now()
    shown = await current_events(services, content_store, now)
    ids = {id(s.event): s.id for s in shown}
    ahead = upcoming([s.event for s in shown], now)
    surveys = open_surveys([s.event for s in shown], now)
    if not ahead and not surveys:
        await message.answer(t("events_none"))
        return
    blocks = [t("events_header")]
    blocks += [event_line(Shown(e, ids.get(id(e))), t) for e in ahead] or [t("events_no_streams")]
    if surveys:
        blocks.append(t("survey_header"))
        blocks += [event_line(Shown(e), t) for e in surveys]
    await message.answer(join_within(blocks, lambda n: t("list_more", n=n)), disable_web_page_preview=True)


# -- admin commands ---------------------------------------------------------------------
def active_event(store: ContentStore, raw_id: str) -> EventRecord | None:
    """The active event an admin means by "12" or "#12"."""
    raw_id = raw_id.strip().lstrip("#")
    record = store.event(int(raw_id)) if raw_id.isdigit() else None
    return record if record and record.is_active else None


async def event_command(message: Message, command: CommandObject, bot: Bot, services: Services,
                        content_jobs: ContentJobs, t) -> None:
    user = message.from_user
    if user is None or not await is_chat_admin(bot, services, user.id):
        await message.reply(t("event_not_admin"))
        return
    action, _, rest = (command.args or "").strip().partition(" ")
    action = action.lower()
    now = services.clock.now()
    if action in ("add", "добавить"):
        await event_add(message, rest, user.id, now, content_jobs, t)
    elif not rest.strip():  # "/event edit" alone: show how, not "no event with id ''"
        await message.reply(t("event_usage", examples=WHEN_EXAMPLES))
    elif action in ("edit", "move", "изменить", "перенести"):
        await event_edit(message, rest, now, content_jobs, t)
    elif action in ("cancel", "отменить"):
        await event_cancel(message, rest, now, content_jobs, t)
    else:
        await message.reply(t("event_usage", examples=WHEN_EXAMPLES))


async def event_add(message: Message, rest: str, user_id: int, now: float, jobs: ContentJobs, t) -> None:
    tz = jobs.settings.timezone
    try:
        start, title = split_when(rest, now, tz)
    except WhenError as exc:
        await message.reply(when_problem(exc, t))
        return
    if not title:
        await message.reply(t("event_no_title", examples=WHEN_EXAMPLES))
        return
    record = jobs.store.add_admin_event(kind="stream", title=title[:200], starts_at=int(start.timestamp()), tz=tz,
                                        created_by=user_id, now=now)
    reminders = jobs.schedule_reminders(record, now)
    await message.reply(t("event_added", id=record.id, title=escape(record.title),
                          when=when_text(record.starts_at, tz, t), reminders=len(reminders)))


async def event_edit(message: Message, rest: str, now: float, jobs: ContentJobs, t) -> None:
    raw_id, _, when = rest.strip().partition(" ")
    record = active_event(jobs.store, raw_id)
    if record is None:
        await message.reply(t("event_unknown", id=escape(raw_id)))
        return
    tz = jobs.settings.timezone
    try:
        start = parse_when(when, now, tz)
    except WhenError as exc:
        await message.reply(when_problem(exc, t))
        return
    record = jobs.store.move_event(record.id, int(start.timestamp()), tz, now)
    reminders = jobs.schedule_reminders(record, now)
    await message.reply(t("event_moved", id=record.id, title=escape(record.title),
                          when=when_text(record.starts_at, record.tz, t), reminders=len(reminders)))


async def event_cancel(message: Message, rest: str, now: float, jobs: ContentJobs, t) -> None:
    raw_id = rest.strip().split(" ")[0] if rest.strip() else ""
    record = active_event(jobs.store, raw_id)
    if record is None:
        await message.reply(t("event_unknown", id=escape(raw_id)))
        return
    record = jobs.store.cancel_event(record.id, now)
    jobs.unschedule_reminders(record.id)
    await message.reply(t("event_cancelled", id=record.id, title=escape(record.title)))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stream_command, Command("stream", "стрим", ignore_case=True))
    router.message.register(survey_command, Command("survey", "surveys", "опрос", ignore_case=True))
    router.message.register(events_command, Command("events", "события", ignore_case=True))
    router.message.register(event_command, Command("event", "событие", ignore_case=True))
    return router
