"""Streams and surveys: /stream, /survey, /events, admin /event add|edit|cancel, reminders.

Events come from two places: channel posts that announce them (read from the archive by
archive.events) and events admins add by command. Both kinds that are still ahead get a
row in content_events, which carries the id admins use, the status (cancelled) and the
time an admin set; the rows are what reminders are scheduled for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from archive.events import (LIVE_KINDS, Event, WhenError, events_from_posts, extract_events, next_stream,
                            open_surveys, parse_when, split_when, upcoming)
from archive.models import Post
from bot.i18n import DEFAULT_LANG, Translator
from bot.messages import join_within
from bot.routers.content import store
from bot.routers.content.common import esc, in_thread, is_chat_admin, link, now, when_text
from bot.routers.content.scheduler import event_of_row, schedule_reminders, unschedule_reminders
from bot.services import Services

log = logging.getLogger(__name__)

LOOKBACK = 180 * 86400      # how far back /stream and /events read announcements
ANNOUNCE_WINDOW = 30 * 86400  # earlier posts a new announcement may repeat
KIND_ICON = {"stream": "📺", "ama": "🎙", "talk": "🎤", "survey": "📋"}
WHEN_EXAMPLES = "<code>2025-08-20 19:00</code>, <code>завтра 10:00</code>, <code>15.08 в 18:00</code>, " \
                "<code>next Friday 18:00 CET</code>, <code>через 2 часа</code>"


@dataclass(frozen=True)
class Shown:
    """An event as users see it, with its row id when it has one."""
    event: Event
    id: int | None = None


def scheduler_of(services: Services):
    return services.content_scheduler


# -- the merged view -------------------------------------------------------------------
def merge(found: list[Event], rows: list[dict]) -> list[Shown]:
    """Archive events with their rows applied (cancelled hidden, admin times kept) + admin events."""
    channel_rows = {r["anchor_message_id"]: r for r in rows if r["source"] == "channel"}
    out = []
    for event in found:
        row = next((channel_rows[m] for m in event.message_ids if m in channel_rows), None)
        if row is None:
            out.append(Shown(event))
            continue
        if row["status"] != "active":
            continue
        if row["edited"]:
            event = replace(event, starts_at=row["starts_at"], has_time=bool(row["has_time"]), tz=row["tz"])
        out.append(Shown(event, row["id"]))
    for row in rows:
        if row["source"] != "channel" and row["status"] == "active":
            out.append(Shown(event_of_row(row), row["id"]))
    return out


async def current_events(services: Services, lookback: int | None = LOOKBACK) -> list[Shown]:
    """Events announced within `lookback` seconds (None: the whole archive), rows applied."""
    tz = services.settings.timezone
    since = int(now()) - lookback if lookback is not None else None
    found = await in_thread(services, lambda archive: extract_events(archive, tz, since=since))
    return merge(found, store.events(services.db, status=None))


# -- keeping rows and reminders in step with the channel ---------------------------------
def sync_channel_events(services: Services, found: list[Event], at: float | None = None) -> list[dict]:
    """Give upcoming announced events a row; new or moved ones get their reminders (re)scheduled.

    Returns the rows that were created or changed. An event an admin edited keeps the
    admin's time; a cancelled one stays cancelled.
    """
    at = now() if at is None else at
    db, scheduler = services.db, scheduler_of(services)
    changed = []
    for e in found:
        if e.kind == "survey" or e.starts_at is None or e.starts_at <= at:
            continue
        row = store.event_by_anchor(db, e.message_ids)
        if row is None:
            row = store.add_event(db, source="channel", anchor_message_id=e.message_ids[0], kind=e.kind,
                                  title=e.title, starts_at=e.starts_at, tz=e.tz, has_time=e.has_time,
                                  link=e.link, url=e.url)
        elif row["edited"] or row["status"] != "active" or (
                row["starts_at"], row["title"], bool(row["has_time"]), row["tz"], row["kind"]) == (
                e.starts_at, e.title, e.has_time, e.tz, e.kind):
            continue
        else:
            row = store.update_event(db, row["id"], starts_at=e.starts_at, title=e.title, tz=e.tz,
                                     has_time=int(e.has_time), kind=e.kind, link=e.link, url=e.url)
        if scheduler is not None:
            schedule_reminders(scheduler, row, services.settings.reminder_offsets, at)
        changed.append(row)
    return changed


async def on_channel_post(post: Post, services: Services) -> list[dict]:
    """A new or edited channel post: if it announces an event, keep its row and reminders."""
    tz = services.settings.timezone

    def announced(archive) -> list[Event]:
        posts = archive.posts(since=post.date - ANNOUNCE_WINDOW, until=post.date + 1, newest_first=False)
        return [e for e in events_from_posts(posts, tz) if post.message_id in e.message_ids]

    found = await in_thread(services, announced)
    return sync_channel_events(services, found) if found else []


def reschedule_all(services: Services, at: float | None = None) -> int:
    """At startup: make sure every active upcoming event has its pending reminders."""
    at = now() if at is None else at
    scheduler = scheduler_of(services)
    pending = {int(j.id.split(":")[1]) for j in scheduler.get_jobs() if j.id.startswith("reminder:")}
    count = 0
    for row in store.events(services.db):
        if row["starts_at"] and row["starts_at"] > at and row["id"] not in pending:
            count += len(schedule_reminders(scheduler, row, services.settings.reminder_offsets, at))
    return count


# -- rendering --------------------------------------------------------------------------
def event_line(shown: Shown, t) -> str:
    e = shown.event
    prefix = f"<code>#{shown.id}</code> " if shown.id else ""
    title = f"{KIND_ICON.get(e.kind, '📅')} {prefix}<b>{esc(e.title)}</b>"
    parts = [title]
    if e.kind == "survey":
        if e.deadline:
            parts.append(t("survey_until", when=when_text(e.deadline, e.tz)))
    else:
        parts.append(when_text(e.starts_at, e.tz, e.has_time))
    links = [link(e.link, t("event_link"))] if e.link else []
    if e.url:
        links.append(link(e.url, t("event_post")))
    if e.recording_url:
        links.append(link(e.recording_url, t("event_recording")))
    return " — ".join(parts) + ("\n" + " · ".join(links) if links else "")


def left_text(seconds: float, t) -> str:
    minutes = max(1, round(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days and not hours and not mins:
        return t.plural("n_days_acc", days) if days > 1 else t("left_hours", n=24)
    out = []
    if days or hours:
        out.append(t("left_hours", n=days * 24 + hours))
    if mins:
        out.append(t("left_minutes", n=mins))
    return " ".join(out)


def reminder_text(row: dict, at: float, t) -> str:
    e = event_of_row(row)
    lines = [t("reminder", left=left_text(row["starts_at"] - at, t), icon=KIND_ICON.get(e.kind, "📅"),
               title=esc(e.title)),
             t("event_starts", when=when_text(e.starts_at, e.tz))]
    links = [link(e.link, t("event_link"))] if e.link else []
    if e.url:
        links.append(link(e.url, t("event_post")))
    if links:
        lines.append(" · ".join(links))
    return "\n".join(lines)


# -- user commands ----------------------------------------------------------------------
async def stream_command(message: Message, services: Services, t) -> None:
    shown = await current_events(services)
    ids = {id(s.event): s.id for s in shown}
    events = [s.event for s in shown]
    at = now()
    nxt = next_stream(events, at)
    if nxt:
        await message.answer(t("stream_next") + "\n" + event_line(Shown(nxt, ids.get(id(nxt))), t),
                             disable_web_page_preview=True)
        return
    past = [e for e in events if e.kind in LIVE_KINDS and e.starts_at and e.starts_at <= at]
    if not past:  # a quiet half-year: look through the whole archive for the last one
        events = [s.event for s in await current_events(services, lookback=None)]
        past = [e for e in events if e.kind in LIVE_KINDS and e.starts_at and e.starts_at <= at]
    if not past:
        await message.answer(t("stream_none"))
        return
    last = max(past, key=lambda e: e.starts_at)
    text = t("stream_last") + "\n" + event_line(Shown(last), t)
    if not last.recording_url:
        text += "\n" + t("stream_no_recording")
    await message.answer(text, disable_web_page_preview=True)


async def survey_command(message: Message, services: Services, t) -> None:
    shown = await current_events(services)
    surveys = open_surveys([s.event for s in shown], now())
    if not surveys:
        await message.answer(t("survey_none"))
        return
    lines = [t("survey_header")] + [event_line(Shown(e), t) for e in surveys]
    await message.answer(join_within(lines, lambda n: t("list_more", n=n)), disable_web_page_preview=True)


async def events_command(message: Message, services: Services, t) -> None:
    shown = await current_events(services)
    ids = {id(s.event): s.id for s in shown}
    at = now()
    ahead = upcoming([s.event for s in shown], at)
    surveys = open_surveys([s.event for s in shown], at)
    if not ahead and not surveys:
        await message.answer(t("events_none"))
        return
    blocks = [t("events_header")]
    blocks += [event_line(Shown(e, ids.get(id(e))), t) for e in ahead]
    if surveys:
        blocks.append(t("survey_header"))
        blocks += [event_line(Shown(e), t) for e in surveys]
    await message.answer(join_within(blocks, lambda n: t("list_more", n=n)), disable_web_page_preview=True)


# -- admin commands ---------------------------------------------------------------------
def when_problem(exc: WhenError, t) -> str:
    return t(f"when_{exc.code}", examples=WHEN_EXAMPLES)


def _event_id(raw: str) -> int | None:
    raw = raw.strip().lstrip("#")
    return int(raw) if raw.isdigit() else None


async def event_command(message: Message, command: CommandObject, bot: Bot, services: Services, t) -> None:
    user = message.from_user
    if user is None or not await is_chat_admin(bot, services, user.id):
        await message.reply(t("event_not_admin"))
        return
    action, _, rest = (command.args or "").strip().partition(" ")
    action = action.lower()
    if action in ("add", "добавить"):
        await event_add(message, rest, user.id, services, t)
    elif not rest.strip():  # "/event edit" alone: show how, not "no event with id ''"
        await message.reply(t("event_usage", examples=WHEN_EXAMPLES))
    elif action in ("edit", "move", "изменить", "перенести"):
        await event_edit(message, rest, services, t)
    elif action in ("cancel", "отменить"):
        await event_cancel(message, rest, services, t)
    else:
        await message.reply(t("event_usage", examples=WHEN_EXAMPLES))


async def event_add(message: Message, rest: str, user_id: int, services: Services, t) -> None:
    tz = services.settings.timezone
    try:
        start, title = split_when(rest, now(), tz)
    except WhenError as exc:
        await message.reply(when_problem(exc, t))
        return
    if not title:
        await message.reply(t("event_no_title", examples=WHEN_EXAMPLES))
        return
    row = store.add_event(services.db, source="admin", kind="stream", title=title[:200],
                          starts_at=int(start.timestamp()), tz=tz, created_by=user_id)
    reminders = schedule_reminders(scheduler_of(services), row, services.settings.reminder_offsets, now())
    await message.reply(t("event_added", id=row["id"], title=esc(row["title"]),
                          when=when_text(row["starts_at"], tz), reminders=len(reminders)))


def _active_row(services: Services, raw: str) -> dict | None:
    event_id = _event_id(raw)
    row = store.get_event(services.db, event_id) if event_id is not None else None
    return row if row and row["status"] == "active" else None


async def event_edit(message: Message, rest: str, services: Services, t) -> None:
    raw_id, _, when = rest.strip().partition(" ")
    row = _active_row(services, raw_id)
    if row is None:
        await message.reply(t("event_unknown", id=esc(raw_id)))
        return
    try:
        start = parse_when(when, now(), services.settings.timezone)
    except WhenError as exc:
        await message.reply(when_problem(exc, t))
        return
    row = store.update_event(services.db, row["id"], starts_at=int(start.timestamp()), has_time=1,
                             tz=services.settings.timezone, edited=1)
    reminders = schedule_reminders(scheduler_of(services), row, services.settings.reminder_offsets, now())
    await message.reply(t("event_moved", id=row["id"], title=esc(row["title"]),
                          when=when_text(row["starts_at"], row["tz"]), reminders=len(reminders)))


async def event_cancel(message: Message, rest: str, services: Services, t) -> None:
    raw_id = rest.strip().split(" ")[0] if rest.strip() else ""
    row = _active_row(services, raw_id)
    if row is None:
        await message.reply(t("event_unknown", id=esc(raw_id)))
        return
    row = store.update_event(services.db, row["id"], status="cancelled")
    unschedule_reminders(scheduler_of(services), row["id"])
    await message.reply(t("event_cancelled", id=row["id"], title=esc(row["title"])))


def chat_translator(lang: str | None = None) -> Translator:
    """Messages into the community chat are in the default language."""
    return Translator(lang or DEFAULT_LANG)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stream_command, Command("stream", "стрим", ignore_case=True))
    router.message.register(survey_command, Command("survey", "surveys", "опрос", ignore_case=True))
    router.message.register(events_command, Command("events", "события", ignore_case=True))
    router.message.register(event_command, Command("event", "событие", ignore_case=True))
    return router
