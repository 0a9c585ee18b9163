"""Date and time phrases in Russian and English: a future time a person types, a time in a post."""
from datetime import datetime, timezone

import pytest

from archive.dates import WhenError, parse_when, split_when, when_in_text

UTC = timezone.utc
NOW = datetime(2024, 7, 31, 15, 0, tzinfo=UTC)  # 18:00 in Moscow


@pytest.mark.parametrize("text, expected", [
    ("2024-08-20 19:00", datetime(2024, 8, 20, 16, 0, tzinfo=UTC)),
    ("2024-08-20T19:00:00+02:00", datetime(2024, 8, 20, 17, 0, tzinfo=UTC)),
    ("завтра 10:00", datetime(2024, 8, 1, 7, 0, tzinfo=UTC)),
    ("сегодня в 20:00 МСК", datetime(2024, 7, 31, 17, 0, tzinfo=UTC)),
    ("15.08 в 18:00", datetime(2024, 8, 15, 15, 0, tzinfo=UTC)),
    ("1 августа в 19:00 по Москве", datetime(2024, 8, 1, 16, 0, tzinfo=UTC)),
    ("через 2 часа", datetime(2024, 7, 31, 17, 0, tzinfo=UTC)),
    ("Aug 2 7pm PT", datetime(2024, 8, 3, 2, 0, tzinfo=UTC)),
])
def test_parse_when_good(text, expected):
    got = parse_when(text, NOW)
    assert got.tzinfo is not None
    assert got == expected


def test_parse_when_rest_is_the_title():
    when, rest = split_when("2024-08-20 19:00 Разбор статей ICML", NOW)
    assert when == datetime(2024, 8, 20, 16, 0, tzinfo=UTC)
    assert rest == "Разбор статей ICML"


@pytest.mark.parametrize("text, code, says", [
    ("", "empty", "Examples"),
    ("когда-нибудь потом", "unparsed", "Cannot read a time"),
    ("2024-07-01 10:00", "past", "in the past"),
    ("вчера 10:00", "past", "in the past"),
    ("yesterday 10am", "past", "in the past"),
    ("1 августа", "unparsed", "add a time"),
])
def test_parse_when_bad_inputs_explain(text, code, says):
    with pytest.raises(WhenError) as err:
        parse_when(text, NOW)
    assert err.value.code == code
    assert says in str(err.value)


def test_default_zone_is_a_parameter():
    assert parse_when("завтра 10:00", NOW, tz="UTC") == datetime(2024, 8, 1, 10, 0, tzinfo=UTC)
    start, has_time, zone = when_in_text("стрим 1 августа в 19:00", NOW, tz="Asia/Almaty")
    assert zone == "Asia/Almaty" and has_time and start.utcoffset().total_seconds() == 5 * 3600
