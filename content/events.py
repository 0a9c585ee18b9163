"""Events the chat is reminded of: their records, the list users see, and which reminders are due.

Events come from two places: channel posts that announce them (found by archive.events)
and events admins add by command. Those still ahead get a record, which carries the id
admins use, the status (cancelled) and a time an admin set; reminders are planned from
records, and a reminder is known by (event, offset, start), so moving an event re-arms it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from archive.events import Event, reminder_times

REMINDER_GRACE_MAX = 6 * 3600


class EventStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class EventSource(StrEnum):
    CHANNEL = "channel"  # announced in a channel post
    ADMIN = "admin"  # added with /event add


@dataclass(frozen=True)
class EventRecord:
    id: int
    source: EventSource
    kind: str  # as archive.events: "stream" | "ama" | "talk"
    title: str
    starts_at: int | None
    tz: str
    has_time: bool = True
    link: str | None = None
    url: str | None = None
    status: EventStatus = EventStatus.ACTIVE
    edited: bool = False  # an admin set the time: the channel's text no longer moves it
    anchor_message_id: int | None = None  # the first channel message announcing it
    created_by: int | None = None
    created_at: int | None = None
    updated_at: int | None = None

    @property
    def is_active(self) -> bool:
        return self.status is EventStatus.ACTIVE

    def as_event(self) -> Event:
        return Event(post_id=0, message_id=self.anchor_message_id or 0, kind=self.kind, title=self.title,
                     starts_at=self.starts_at, tz=self.tz, link=self.link, url=self.url, has_time=self.has_time)


@dataclass(frozen=True)
class Shown:
    """An event as users see it, with its record's id when it has one."""

    event: Event
    id: int | None = None


def merge(found: list[Event], records: list[EventRecord]) -> list[Shown]:
    """Announced events with their records applied (cancelled hidden, admin times kept), then admin events."""
    by_anchor = {r.anchor_message_id: r for r in records if r.source is EventSource.CHANNEL}
    out = []
    for event in found:
        record = next((by_anchor[m] for m in event.message_ids if m in by_anchor), None)
        if record is None:
            out.append(Shown(event))
            continue
        if not record.is_active:
            continue
        if record.edited:
            event = replace(event, starts_at=record.starts_at, has_time=record.has_time, tz=record.tz)
        out.append(Shown(event, record.id))
    out += [Shown(r.as_event(), r.id) for r in records if r.source is not EventSource.CHANNEL and r.is_active]
    return out


def is_followed(event: Event, now: float) -> bool:
    """An announced event gets a record when it has a start still ahead (surveys have none)."""
    return event.kind != "survey" and event.starts_at is not None and event.starts_at > now


def channel_moved(record: EventRecord, event: Event) -> bool:
    """The channel changed an event whose record still follows the channel (not edited, not cancelled)."""
    if record.edited or not record.is_active:
        return False
    return (record.starts_at, record.title, record.has_time, record.tz, record.kind) != (
        event.starts_at, event.title, event.has_time, event.tz, event.kind)


@dataclass(frozen=True)
class Reminder:
    event_id: int
    offset: int  # seconds before the start
    starts_at: int
    fire_at: int

    @property
    def grace(self) -> int:
        """How late it may still be sent: half its offset (capped), so "in 1 h" never comes after the start."""
        return max(60, min(self.offset // 2, REMINDER_GRACE_MAX))


def reminders(record: EventRecord, offsets, now: float, catch_up: bool = False) -> list[Reminder]:
    """The reminders of an active event still to send, earliest first.

    With `catch_up` (after a restart) a reminder whose time passed less than its grace
    ago is included too, if it was planned before its time (the record has not changed
    since); it is sent at once.
    """
    if not record.is_active:
        return []
    since = now - REMINDER_GRACE_MAX if catch_up else now
    planned = [Reminder(record.id, offset, record.starts_at, fire_at)
               for offset, fire_at in reminder_times(record.as_event(), offsets, since)]
    return [r for r in planned if r.fire_at > now or (catch_up and _may_catch_up(record, r, now))]


def _may_catch_up(record: EventRecord, reminder: Reminder, now: float) -> bool:
    planned_in_time = record.updated_at is not None and record.updated_at <= reminder.fire_at
    return planned_in_time and now - reminder.fire_at <= reminder.grace


def is_stale(record: EventRecord | None, starts_at: int) -> bool:
    """A reminder planned for `starts_at` is stale when its event is gone, cancelled or moved."""
    return record is None or not record.is_active or record.starts_at != starts_at
