"""The search syntax people type: words, #hashtag, since:/until: with inclusive days."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from archive.query import parse_period, parse_query

MSK = ZoneInfo("Europe/Moscow")


def ts(*args, tz=MSK) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp())


def test_words_hashtag_and_dates_are_split():
    q = parse_query("leakage #PaperWatch since:2024-08-01 until:2024-08-14")
    assert (q.text, q.hashtag) == ("leakage", "paperwatch")
    assert q.since == ts(2024, 8, 1)
    assert q.until == ts(2024, 8, 15)  # the last day is included


@pytest.mark.parametrize("value, first, last", [
    ("2024-08-14", date(2024, 8, 14), date(2024, 8, 14)),
    ("14.08.2024", date(2024, 8, 14), date(2024, 8, 14)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
])
def test_a_month_or_a_year_names_all_its_days(value, first, last):
    assert parse_period(value) == (first, last)


def test_days_are_in_the_given_zone():
    q = parse_query("до:2024-08-14 с:2024-08-01", tz="UTC")
    assert (q.since, q.until) == (ts(2024, 8, 1, tz=timezone.utc), ts(2024, 8, 15, tz=timezone.utc))


def test_a_bad_date_is_reported_not_fatal():
    q = parse_query("leakage since:вчера until:2024-13-01")
    assert q.text == "leakage" and q.since is None and q.until is None
    assert q.problems == ("вчера", "2024-13-01")
