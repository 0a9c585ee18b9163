"""The user's search syntax: free words plus `#hashtag`, `since:DATE`, `until:DATE`.

Dates mean what a person means, here and on the command line (`keeper search --since
--until`): `since` is the first day included and `until` the last day included, both in
the channel's time zone (KEEPER_TIMEZONE, default Europe/Moscow). A month or a year names
all its days: `until:2024-08` ends with 31 August. The library's filters take unix seconds
instead: `since` included, `until` excluded (the first moment after the last day).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from archive.dates import DEFAULT_TZ
from archive.text import clean

_FILTER = re.compile(r"(?<!\S)(since|until|с|до):(\S+)", re.IGNORECASE)
_TAG = re.compile(r"(?<![\w#])#(\w{2,})", re.UNICODE)
# (format, what one value of it spans)
_FORMATS = (("%Y-%m-%d", "day"), ("%d.%m.%Y", "day"), ("%Y-%m", "month"), ("%Y", "year"))


@dataclass(frozen=True)
class Query:
    text: str
    hashtag: str | None = None
    since: int | None = None
    until: int | None = None  # excluded: the first moment after the last day asked for
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text and not self.hashtag


def parse_period(value: str) -> tuple[date, date] | None:
    """The first and last day a date names ("2024-08-14", "14.08.2024", "2024-08", "2024")."""
    for fmt, span in _FORMATS:
        try:
            first = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if span == "day":
            return first, first
        if span == "year" or first.month == 12:
            return first, date(first.year, 12, 31)
        return first, first.replace(month=first.month + 1) - timedelta(days=1)
    return None


def day_start(day: date, tz: str = DEFAULT_TZ) -> int:
    """Unix seconds at the start of `day` in zone `tz`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).timestamp())


def until_bound(last_day: date, tz: str = DEFAULT_TZ) -> int | None:
    """The exclusive bound for a last day included: the start of the next day (None: no
    bound, for the calendar's last day)."""
    return None if last_day >= date.max else day_start(last_day + timedelta(days=1), tz)


def parse_query(raw: str, tz: str = DEFAULT_TZ) -> Query:
    """Split filters from words; a bad date is reported, not fatal. `until` includes its day."""
    raw = clean(raw or "")
    since = until = None
    problems: list[str] = []
    for key, value in _FILTER.findall(raw):
        period = parse_period(value)
        if period is None:
            problems.append(value)
        elif key.lower() in ("since", "с"):
            since = day_start(period[0], tz)
        else:
            until = until_bound(period[1], tz)
    rest = _FILTER.sub(" ", raw)
    tags = _TAG.findall(rest)
    text = " ".join(_TAG.sub(" ", rest).split())
    return Query(text=text, hashtag=tags[0].lower() if tags else None, since=since, until=until,
                 problems=tuple(problems))
