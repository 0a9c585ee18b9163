import pytest

from moderation.durations import (
    DAY, HOUR, MINUTE, WEEK, Duration, DurationError, LeadingTerm, parse_duration, split_term, split_units,
)


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("10m", 600), ("2h", 7200), ("3d", 3 * DAY), ("1w", 7 * DAY), ("90s", 90),
        ("1h30m", 5400), ("1h 30m", 5400), ("1.5h", 5400), ("2H", 7200),
        ("10м", 600), ("10 мин", 600), ("10 минут", 600), ("1 минута", 60),
        ("2ч", 7200), ("2 часа", 7200), ("5 часов", 5 * 3600),
        ("3д", 3 * DAY), ("3 дня", 3 * DAY), ("1 день", DAY),
        ("1 неделя", 7 * DAY), ("1нед", 7 * DAY), ("2 недели", 14 * DAY),
        ("1ч 30 мин", 5400), ("30 сек", 30),
    ],
)
def test_admin_can_write_durations_in_english_and_russian(text, seconds):
    assert parse_duration(text).seconds == seconds


@pytest.mark.parametrize("text", ["forever", "навсегда", "perm", "Навсегда", " FOREVER "])
def test_permanent_words_give_a_permanent_ban(text):
    d = parse_duration(text)
    assert d.is_permanent
    assert d.telegram_until(1000.0).until_date == 0
    assert d.telegram_until(1000.0).permanent


@pytest.mark.parametrize(
    "text, code",
    [("", "empty"), ("10", "no_unit"), ("abc", "garbage"), ("10x", "garbage"), ("5 fortnights", "garbage"),
     ("1h foo", "garbage"), ("1h1h", "repeated_unit"), ("0m", "zero"), ("-5m", "garbage")],
)
def test_garbage_is_refused_with_a_helpful_message(text, code):
    with pytest.raises(DurationError) as err:
        parse_duration(text)
    assert err.value.code == code
    assert err.value.text == text.strip()  # the bot quotes it back (tests/bot/test_i18n.py words it)


def test_telegram_boundary_30_seconds():
    now = 1_000_000.0
    ok = Duration(30).telegram_until(now)
    assert not ok.permanent and ok.until_date == 1_000_030 and ok.warning is None
    short = parse_duration("29s").telegram_until(now)
    assert short.permanent and short.warning == "too_short"


def test_telegram_boundary_366_days():
    now = 500.0
    assert not Duration(366 * DAY).telegram_until(now).permanent
    long = Duration(366 * DAY + 1).telegram_until(now)
    assert long.permanent and long.warning == "too_long"
    assert parse_duration("53w").telegram_warning == "too_long"


def test_until_date_is_an_integer_rounded_up():
    until = Duration(600).telegram_until(100.2)
    assert until.until_date == 701 and isinstance(until.until_date, int)


@pytest.mark.parametrize(
    "seconds, parts",
    [(60, [(1, MINUTE)]), (5400, [(1, HOUR), (30, MINUTE)]), (90, [(1, MINUTE), (30, 1)]),
     (3 * DAY, [(3, DAY)]), (14 * DAY, [(2, WEEK)]), (10 * DAY, [(10, DAY)]), (8 * DAY, [(8, DAY)]),
     (WEEK + HOUR, [(7, DAY), (1, HOUR)]), (0, []), (29.6, [(30, 1)])],
)
def test_split_units_gives_weeks_only_when_whole(seconds, parts):
    assert split_units(seconds) == parts


@pytest.mark.parametrize("text, seconds", [
    ("час", HOUR), ("полчаса", 30 * MINUTE), ("сутки", DAY), ("день", DAY), ("неделю", WEEK),
    ("неделя", WEEK), ("на неделю", WEEK), ("месяц", 30 * DAY), ("hour", HOUR), ("day", DAY),
    ("a week", WEEK), ("week", WEEK), ("2 месяца", 60 * DAY),
])
def test_a_term_said_in_words_alone_is_a_term(text, seconds):
    assert parse_duration(text).seconds == seconds


@pytest.mark.parametrize("text", ["abc", "m", "h", "спам", "часы", "неделька флуд"])
def test_words_that_are_not_terms_are_refused(text):
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize("args, seconds, reason", [
    ("час", HOUR, ""), ("полчаса флуд", 30 * MINUTE, "флуд"), ("сутки", DAY, ""), ("неделю спам", WEEK, "спам"),
    ("день", DAY, ""), ("hour", HOUR, ""), ("на неделю за рекламу", WEEK, "за рекламу"),
    ("2 часа флуд", 2 * HOUR, "флуд"), ("1 час 30 минут флуд", 90 * MINUTE, "флуд"), ("1h 30m", 90 * MINUTE, ""),
    ("10 минут  ругань в чате", 10 * MINUTE, "ругань в чате"),
])
def test_a_command_starting_with_a_term_splits_into_term_and_reason(args, seconds, reason):
    split = split_term(args)
    assert (split.duration.seconds, split.reason, split.error) == (seconds, reason, None)


@pytest.mark.parametrize("args", ["", "abc", "флуд и спам", "спам 2 часа"])
def test_arguments_without_a_term_are_all_reason(args):
    assert split_term(args) == LeadingTerm(None, args.strip())


def test_a_permanent_word_is_a_term():
    assert split_term("навсегда спам").duration.is_permanent and split_term("навсегда спам").reason == "спам"


@pytest.mark.parametrize("args, code", [("10 spam", "no_unit"), ("-5m", "garbage"), ("10n", "garbage")])
def test_a_leading_number_that_is_no_term_is_an_error_not_a_reason(args, code):
    split = split_term(args)
    assert split.duration is None and split.error.code == code
