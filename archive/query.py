"""The user's search syntax: free words plus `#hashtag`, `since:DATE`, `until:DATE`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_FILTER = re.compile(r"(?<!\S)(since|until|с|до):(\S+)", re.IGNORECASE)
_TAG = re.compile(r"(?<![\w#])#(\w{2,})", re.UNICODE)
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m", "%Y")


@dataclass(frozen=True)
class Query:
    text: str
    hashtag: str | None = None
    since: int | None = None
    until: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text and not self.hashtag


def _parse_day(value: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _day_start(day: date, tz: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def parse_query(raw: str, tz: str = "Europe/Moscow") -> Query:
    """Split filters from words; a bad date is reported, not fatal. `until` includes its day."""
    zone = ZoneInfo(tz)
    since = until = None
    problems: list[str] = []
    for key, value in _FILTER.findall(raw or ""):
        day = _parse_day(value)
        if day is None:
            problems.append(value)
        elif key.lower() in ("since", "с"):
            since = _day_start(day, zone)
        else:
            until = _day_start(day + timedelta(days=1), zone)
    rest = _FILTER.sub(" ", raw or "")
    tags = _TAG.findall(rest)
    text = " ".join(_TAG.sub(" ", rest).split())
    return Query(text=text, hashtag=tags[0].lower() if tags else None, since=since, until=until,
                 problems=tuple(problems))
