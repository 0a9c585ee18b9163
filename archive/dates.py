"""Dates and times in Russian or English text: "1 августа в 19:00 по Москве", "завтра в
20:00 МСК", "next Friday 18:00 CET", "15.08 в 18:00", "через 2 часа".

The phrase is picked out with regexes first; dateparser resolves what the regexes do not
compute themselves. Zone words map to IANA zones; the default zone is a parameter.
`when_in_text` reads the first date/time in a post (relative to its date), `parse_when` /
`split_when` read a future time a person typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date, datetime, time as Time, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Moscow"


class WhenError(ValueError):
    """A time the user typed that cannot be used; `code` is 'empty', 'unparsed' or 'past'."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


_RU_MONTHS = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7,
              "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12}
_EN_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
              "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_RU_MONTH = (r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
             r"янв|фев|мар|апр|июн|июл|авг|сен|сент|окт|ноя|дек)\.?")
_EN_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
             r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?")
_DAY = r"(?P<d>[0-3]?\d)(?:-?(?:го|е|st|nd|rd|th))?"
_DATE_RU = re.compile(rf"(?<![\w.]){_DAY}\s+(?P<m>{_RU_MONTH})(?:\s+(?P<y>20\d\d)(?:\s*г(?:ода|\.)?)?)?(?!\w)", re.I)
_DATE_EN_DM = re.compile(rf"(?<![\w.]){_DAY}\s+(?:of\s+)?(?P<m>{_EN_MONTH})(?:,?\s+(?P<y>20\d\d))?(?!\w)", re.I)
_DATE_EN_MD = re.compile(rf"(?<![\w.])(?P<m>{_EN_MONTH})\s+{_DAY}(?:,?\s+(?P<y>20\d\d))?(?!\w)", re.I)
_DATE_ISO = re.compile(
    r"(?<![\w\-.])(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)"
    r"(?:[T ](?P<H>[0-2]\d):(?P<M>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?P<off>Z|[+-][0-2]\d:?[0-5]\d)?)?(?![\w\-])")
_DATE_NUM = re.compile(r"(?<![\w.:/])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)(?:\.(?P<y>20\d\d|\d\d))?(?![\w:/]|\.\d)")
_RELATIVE = re.compile(
    r"(?<!\w)(?P<w>послезавтра|позавчера|завтра|вчера|сегодня|today|tonight|tomorrow|yesterday)(?!\w)", re.I)
_WEEKDAYS = {"понедельник": 0, "вторник": 1, "сред": 2, "четверг": 3, "пятниц": 4, "суббот": 5,
             "воскресень": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
             "saturday": 5, "sunday": 6, "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WEEKDAY = re.compile(
    r"(?<!\w)(?:(?:в|во|on)\s+)?(?P<mod>эт[уио]т?|следующ(?:ую|ий|ее)|ближайш(?:ую|ий|ее)|next|this|coming)?\s*"
    r"(?P<wd>понедельник|вторник|среду|среда|четверг|пятницу|пятница|субботу|суббота|воскресенье|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?!\w)", re.I)
_TIME = re.compile(
    r"(?<![\w:.])(?:в\s+|at\s+|@\s*)?(?P<H>[01]?\d|2[0-3])(?::(?P<M>[0-5]\d)|\s*(?P<ampm>[ap]\.?m\.?)|"
    r"(?<=\d)\.(?P<M2>[0-5]\d)(?=\s*(?:мск|по|msk|[A-Z]{2,4}\b|$))|\s*(?:час(?:ов|а)?|ч\.?)(?!\w))(?![\w:])",
    re.I)
_ZONE_RU = re.compile(r"(?:по\s+(?:москве|московскому(?:\s+времени)?|мск)|(?<!\w)мск(?!\w))", re.I)
_ZONE_CITY = {r"по\s+киеву": "Europe/Kyiv", r"по\s+минску": "Europe/Minsk", r"по\s+берлину": "Europe/Berlin",
              r"по\s+лондону": "Europe/London", r"по\s+алмат\w+": "Asia/Almaty",
              r"по\s+екатеринбургу": "Asia/Yekaterinburg", r"по\s+новосибирску": "Asia/Novosibirsk",
              r"по\s+тбилиси": "Asia/Tbilisi", r"по\s+белграду": "Europe/Belgrade"}
_ZONE_CODES = {"MSK": "Europe/Moscow", "CET": "Europe/Berlin", "CEST": "Europe/Berlin",
               "EET": "Europe/Helsinki", "EEST": "Europe/Helsinki", "WET": "Europe/Lisbon",
               "BST": "Europe/London", "UTC": "UTC", "GMT": "UTC", "Z": "UTC",
               "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
               "ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
               "CT": "America/Chicago", "IST": "Asia/Kolkata"}
_ZONE_CODE = re.compile(r"(?<![\w])(?P<code>" + "|".join(sorted(_ZONE_CODES, key=len, reverse=True))
                        + r")(?P<off>\s*[+-]\s*\d{1,2}(?::?\d{2})?)?(?![\w])")


@dataclass
class _Found:
    day: Date | None = None          # resolved calendar day (local)
    when: tuple[int, int] | None = None  # (hour, minute)
    zone: str | None = None
    fixed: datetime | None = None    # an ISO time with its own offset
    spans: list[tuple[int, int]] = field(default_factory=list)


def _zone_in(text: str) -> tuple[str | None, tuple[int, int] | None]:
    m = _ZONE_RU.search(text)
    if m:
        return "Europe/Moscow", m.span()
    for pattern, zone in _ZONE_CITY.items():
        m = re.search(pattern, text, re.I)
        if m:
            return zone, m.span()
    m = _ZONE_CODE.search(text)
    if m:
        zone = _ZONE_CODES[m.group("code")]
        if m.group("off"):
            raw = re.sub(r"\s", "", m.group("off"))
            sign = -1 if raw[0] == "-" else 1
            digits = raw[1:].replace(":", "")
            hours, minutes = int(digits[:2] if len(digits) > 2 else digits), int(digits[2:] or 0) if len(digits) > 2 else 0
            if minutes == 0 and -12 <= sign * hours <= 14:
                zone = "UTC" if hours == 0 else f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
        return zone, m.span()
    return None, None


def _month(word: str) -> int:
    w = word.lower().rstrip(".")
    for table in (_RU_MONTHS, _EN_MONTHS):
        for prefix, num in table.items():
            if w.startswith(prefix):
                return num
    raise ValueError(word)


def _future_day(d: int, m: int, y: int | None, base: Date) -> Date | None:
    """A day and month without a year: this year, or next year if already past."""
    try:
        if y is not None:
            return Date(y if y > 99 else 2000 + y, m, d)
        day = Date(base.year, m, d)
        return day if day >= base else Date(base.year + 1, m, d)
    except ValueError:
        return None


def _parse_dateparser(phrase: str, base_local: datetime, tz: str) -> datetime | None:
    import dateparser

    return dateparser.parse(phrase, languages=["ru", "en"], settings={
        "RELATIVE_BASE": base_local.replace(tzinfo=None), "PREFER_DATES_FROM": "future",
        "TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": True})


def find_day(text: str, base: Date, with_relative: bool = True) -> tuple[Date | None, tuple[int, int] | None]:
    """The first calendar day named in a text: explicit dates first, then relative words."""
    for pattern in (_DATE_ISO, _DATE_RU, _DATE_EN_DM, _DATE_EN_MD):
        m = pattern.search(text)
        if m:
            if pattern is _DATE_ISO:
                try:
                    return Date(int(m["y"]), int(m["m"]), int(m["d"])), m.span()
                except ValueError:
                    continue
            try:
                day = _future_day(int(m["d"]), _month(m["m"]), int(m["y"]) if m["y"] else None, base)
            except ValueError:
                day = None
            if day:
                return day, m.span()
    m = _DATE_NUM.search(text)
    if m and (m["y"] or _TIME.search(text[m.end():m.end() + 12])):
        day = _future_day(int(m["d"]), int(m["m"]), int(m["y"]) if m["y"] else None, base)
        if day:
            return day, m.span()
    if not with_relative:
        return None, None
    m = _RELATIVE.search(text)
    if m:
        shift = {"сегодня": 0, "today": 0, "tonight": 0, "завтра": 1, "tomorrow": 1, "послезавтра": 2,
                 "вчера": -1, "yesterday": -1, "позавчера": -2}
        return base + timedelta(days=shift[m["w"].lower()]), m.span()
    m = _WEEKDAY.search(text)
    if m:
        wd = next(v for k, v in _WEEKDAYS.items() if m["wd"].lower().startswith(k))
        ahead = (wd - base.weekday()) % 7
        mod = (m["mod"] or "").lower()
        if mod.startswith("следующ") and ahead == 0:
            ahead = 7
        if ahead == 0 and not mod:
            ahead = 0
        return base + timedelta(days=ahead), m.span()
    return None, None


def find_time(text: str, skip: tuple[int, int] | None = None) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    for m in _TIME.finditer(text):
        if skip and m.start() < skip[1] and m.end() > skip[0]:
            continue
        hour, minute = int(m["H"]), int(m["M"] or m["M2"] or 0)
        if m["ampm"]:
            if hour > 12:
                continue
            hour = hour % 12 + (12 if m["ampm"].lower().startswith("p") else 0)
        elif not (m["M"] or m["M2"]) and not re.match(r"(?:в|at)\s", m.group(0), re.I):
            continue  # "2 часа" is a duration; "в 19 часов" is a time
        return (hour, minute), m.span()
    return None, None


def _find_when(text: str, base_local: datetime, tz: str) -> _Found:
    """Date, time and zone in a text; the line that has both a date and a time wins."""
    iso = _DATE_ISO.search(text)
    if iso and iso["off"]:
        fixed = datetime.fromisoformat(iso.group(0).replace("Z", "+00:00").replace(" ", "T"))
        return _Found(fixed=fixed, spans=[iso.span()])
    if iso and iso["H"]:
        zone, zspan = _zone_in(text[iso.end():iso.end() + 12])
        spans = [iso.span()] + ([(iso.end() + zspan[0], iso.end() + zspan[1])] if zspan else [])
        return _Found(day=Date(int(iso["y"]), int(iso["m"]), int(iso["d"])),
                      when=(int(iso["H"]), int(iso["M"])), zone=zone, spans=spans)
    found = _Found()
    lines = text.splitlines() or [text]
    offset = 0
    best = None
    for line in lines:
        day, dspan = find_day(line, base_local.date(), with_relative=False)
        when, tspan = find_time(line, dspan)
        if day and when:
            best = (offset, line, day, dspan, when, tspan)
            break
        offset += len(line) + 1
    if best:
        offset, line, day, dspan, when, tspan = best
        zone, zspan = _zone_in(line)
        found.day, found.when, found.zone = day, when, zone
        found.spans = [(offset + a, offset + b) for a, b in (s for s in (dspan, tspan, zspan) if s)]
        return found
    day, dspan = find_day(text, base_local.date())
    when, tspan = find_time(text, dspan)
    zone, zspan = _zone_in(text)
    found.day, found.when, found.zone = day, when, zone
    found.spans = [s for s in (dspan, tspan, zspan) if s]
    return found


def _to_datetime(found: _Found, base_local: datetime, default_tz: str) -> tuple[datetime | None, bool]:
    """(aware datetime, has_time) from what was found."""
    if found.fixed:
        return found.fixed, True
    zone = ZoneInfo(found.zone or default_tz)
    base = base_local.astimezone(zone)
    if found.day is None and found.when is None:
        return None, False
    if found.when is None:
        return datetime.combine(found.day, Time(0, 0), zone), False
    hour, minute = found.when
    day = found.day or base.date()
    moment = datetime.combine(day, Time(hour, minute), zone)
    if found.day is None and moment <= base:
        moment += timedelta(days=1)  # "в 19:00" after 19:00 means tomorrow
    return moment, True


def unix_seconds(now) -> float:
    if now is None:
        return datetime.now(timezone.utc).timestamp()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.timestamp()
    return float(now)


def when_in_text(text: str, base, tz: str = DEFAULT_TZ) -> tuple[datetime | None, bool, str]:
    """(start, has_time, zone name) for the first date/time phrase in a post."""
    base_local = datetime.fromtimestamp(unix_seconds(base), ZoneInfo(tz))
    found = _find_when(text, base_local, tz)
    moment, has_time = _to_datetime(found, base_local, tz)
    zone = found.zone or (str(moment.tzinfo) if found.fixed else tz)
    return moment, has_time, zone


def when_spans(text: str, base, tz: str = DEFAULT_TZ) -> list[tuple[int, int]]:
    """Where the first date/time phrase of a text is: its date, time and zone, as (start, end) pairs."""
    return sorted(_find_when(text, datetime.fromtimestamp(unix_seconds(base), ZoneInfo(tz)), tz).spans)


_DELTA = re.compile(r"^\s*(?:через|in)\s+(?P<n>\d+)?\s*(?P<u>минут\w*|мин\.?|час\w*|ч\.?|дн\w*|день|сутки|недел\w*|"
                    r"minutes?|mins?|hours?|h|days?|weeks?)(?!\w)", re.I)
_DELTA_UNITS = {"мин": 60, "min": 60, "ч": 3600, "h": 3600, "дн": 86400, "ден": 86400, "сут": 86400,
                "day": 86400, "нед": 604800, "week": 604800}
_EXAMPLES = '"2024-08-20 19:00", "завтра 10:00", "15.08 в 18:00", "next Friday 18:00 CET", "через 2 часа"'


def split_when(text: str, now=None, tz: str = DEFAULT_TZ) -> tuple[datetime, str]:
    """A future time at the start of a command's arguments, and the rest of the text.

    "2024-08-20 19:00 Разбор статей" -> (aware datetime, "Разбор статей").
    Raises WhenError with a message that says what is wrong and shows examples.
    """
    text = (text or "").strip()
    if not text:
        raise WhenError("empty", f"No time given. Examples: {_EXAMPLES}.")
    now_ts = unix_seconds(now)
    base_local = datetime.fromtimestamp(now_ts, ZoneInfo(tz))
    delta = _DELTA.match(text)
    if delta:
        unit = next(v for k, v in _DELTA_UNITS.items() if delta["u"].lower().startswith(k))
        moment = base_local + timedelta(seconds=int(delta["n"] or 1) * unit)
        return moment, text[delta.end():].strip(" ,;:—–-")
    found = _find_when(text, base_local, tz)
    moment, has_time = _to_datetime(found, base_local, tz)
    rest = text
    if moment is not None:
        for a, b in sorted(found.spans, reverse=True):
            rest = rest[:a] + " " + rest[b:]
        if not has_time:
            raise WhenError("unparsed", f"A day without an hour in {text!r}: add a time like 19:00. "
                                        f"Examples: {_EXAMPLES}.")
    else:
        head = re.match(r"^((?:через|in)\s+\d+\s+\w+)", text, re.I)
        phrase = head.group(1) if head else text
        moment = _parse_dateparser(phrase, base_local, tz)
        if moment is None:
            raise WhenError("unparsed", f"Cannot read a time in {text!r}. Examples: {_EXAMPLES}.")
        rest = text[len(phrase):] if head else ""
    if moment.timestamp() <= now_ts:
        shown = moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
        raise WhenError("past", f"{shown} ({tz}) is already in the past; give a future time.")
    rest = re.sub(r"^[\s,;:—–-]+|\s+$", "", re.sub(r"[ \t]{2,}", " ", rest))
    return moment, rest


def parse_when(text: str, now=None, tz: str = DEFAULT_TZ) -> datetime:
    """A future moment from user text ("завтра 10:00", "2024-08-20 19:00", ISO, "через 2 часа").

    `now` is an aware datetime or unix seconds (default: the current time); times without
    a zone are read in `tz`. Raises WhenError for garbage, a day without an hour, or the past.
    """
    return split_when(text, now, tz)[0]
