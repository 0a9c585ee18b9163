"""Event records: the merged list users see, following the channel, and which reminders are due."""
from __future__ import annotations

from dataclasses import replace

from archive.events import Event
from content.events import (EventRecord, EventSource, EventStatus, Reminder, Shown, channel_moved, is_followed,
                            is_stale, merge, reminders)

START = 1_741_712_400  # 2025-03-11 20:00 MSK
HOUR, DAY = 3600, 86400


def announced(message_id: int, title: str = "Стрим про RLHF", starts_at: int | None = START, kind: str = "stream"):
    return Event(post_id=message_id, message_id=message_id, kind=kind, title=title, starts_at=starts_at,
                 message_ids=(message_id,))


def record(id: int = 1, source: EventSource = EventSource.CHANNEL, anchor: int | None = 10, **changes) -> EventRecord:
    base = EventRecord(id=id, source=source, kind="stream", title="Стрим про RLHF", starts_at=START,
                       tz="Europe/Moscow", anchor_message_id=anchor, updated_at=START - 3 * DAY)
    return replace(base, **changes)


def test_merge_applies_records_and_adds_admin_events():
    found = [announced(10), announced(11, "Talk"), announced(12, "Без записи")]
    records = [record(1, anchor=10, edited=True, starts_at=START + HOUR),
               record(2, anchor=11, status=EventStatus.CANCELLED),
               record(3, EventSource.ADMIN, anchor=None, title="Разбор статей"),
               record(4, EventSource.ADMIN, anchor=None, title="Отменён", status=EventStatus.CANCELLED)]
    shown = merge(found, records)
    assert [(s.event.title, s.id) for s in shown] == [
        ("Стрим про RLHF", 1), ("Без записи", None), ("Разбор статей", 3)]
    assert shown[0].event.starts_at == START + HOUR  # the admin's time wins over the post's
    assert shown[1] == Shown(found[2])


def test_only_dated_events_ahead_are_followed():
    assert is_followed(announced(10), now=START - DAY)
    assert not is_followed(announced(10), now=START)
    assert not is_followed(announced(10, starts_at=None), now=0)
    assert not is_followed(announced(10, kind="survey"), now=0)


def test_channel_moves_an_event_unless_an_admin_took_it_over():
    moved = replace(announced(10), starts_at=START + HOUR)
    assert channel_moved(record(), moved)
    assert not channel_moved(record(), announced(10))  # nothing changed
    assert not channel_moved(record(edited=True), moved)
    assert not channel_moved(record(status=EventStatus.CANCELLED), moved)
    assert channel_moved(record(), replace(announced(10), title="Стрим про DPO"))


def test_reminders_ahead_earliest_first():
    assert reminders(record(), [HOUR, DAY], now=START - 2 * DAY) == [
        Reminder(1, DAY, START, START - DAY), Reminder(1, HOUR, START, START - HOUR)]
    assert reminders(record(), [HOUR, DAY], now=START - 2 * HOUR) == [Reminder(1, HOUR, START, START - HOUR)]
    assert reminders(record(status=EventStatus.CANCELLED), [HOUR], now=0) == []
    assert reminders(record(has_time=False), [HOUR], now=0) == []


def test_catching_up_after_a_restart_sends_what_is_late_within_its_grace():
    late_by_10_min = START - HOUR + 600
    assert reminders(record(), [HOUR, DAY], now=late_by_10_min) == []
    assert reminders(record(), [HOUR, DAY], now=late_by_10_min, catch_up=True) == [
        Reminder(1, HOUR, START, START - HOUR)]  # the day-before one is 23 h late: beyond 6 h
    assert reminders(record(), [HOUR], now=START - HOUR + 31 * 60, catch_up=True) == []  # grace: half an hour
    # an event created (or moved) after the reminder's time never had that reminder
    assert reminders(record(updated_at=START - HOUR + 60), [HOUR], now=late_by_10_min, catch_up=True) == []


def test_grace_is_half_the_offset_within_bounds():
    assert Reminder(1, HOUR, START, START - HOUR).grace == HOUR // 2
    assert Reminder(1, DAY, START, START - DAY).grace == 6 * HOUR
    assert Reminder(1, 60, START, START - 60).grace == 60


def test_a_reminder_for_a_moved_or_cancelled_event_is_stale():
    assert not is_stale(record(), START)
    assert is_stale(record(), START - HOUR)
    assert is_stale(record(status=EventStatus.CANCELLED), START)
    assert is_stale(None, START)
