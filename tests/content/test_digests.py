"""The window a weekly digest covers."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from content.digests import DAY, WEEK, DigestRecord, DigestStatus, digest_window

MSK = ZoneInfo("Europe/Moscow")
SUNDAY = int(datetime(2025, 3, 16, 18, 0, tzinfo=MSK).timestamp())
MONDAY = int(datetime(2025, 3, 10, 0, 0, tzinfo=MSK).timestamp())


def last(until: int) -> DigestRecord:
    return DigestRecord("2025-W10", until - WEEK, until, DigestStatus.SENT)


def test_first_digest_covers_this_week_from_monday():
    assert digest_window(None, SUNDAY, "Europe/Moscow") == (MONDAY, SUNDAY)


def test_early_in_the_week_it_reaches_a_week_back():
    tuesday = MONDAY + DAY + 3600
    assert digest_window(None, tuesday, "Europe/Moscow") == (tuesday - WEEK, tuesday)


def test_it_continues_from_the_last_digest_within_two_weeks():
    assert digest_window(last(SUNDAY - WEEK), SUNDAY, "Europe/Moscow") == (SUNDAY - WEEK, SUNDAY)
    assert digest_window(last(SUNDAY - 15 * DAY), SUNDAY, "Europe/Moscow") == (MONDAY, SUNDAY)
