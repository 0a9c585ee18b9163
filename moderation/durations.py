"""Durations for mutes and bans: parse "10m" / "2 часа" / "навсегда", Telegram limits.

Telegram treats a restriction whose ``until_date`` is less than 30 seconds or more than
366 days from now as permanent; :meth:`Duration.telegram_until` says so explicitly, so
the bot can tell the admin instead of silently banning someone forever.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY

TELEGRAM_MIN_SECONDS = 30
TELEGRAM_MAX_SECONDS = 366 * DAY

# unit word (lower case) -> seconds. Checked longest-first by the regex below.
_UNITS: dict[str, int] = {}
for _words, _seconds in (
    ("s sec secs second seconds с сек секунда секунды секунд секунду", 1),
    ("m min mins minute minutes м мин минута минуты минут минуту", MINUTE),
    ("h hr hrs hour hours ч час часа часов", HOUR),
    ("d day days д дн день дня дней сутки суток", DAY),
    ("w wk wks week weeks н нед неделя недели недель неделю", WEEK),
    ("mo month months мес месяц месяца месяцев", MONTH),
):
    for _w in _words.split():
        _UNITS[_w] = _seconds
# Words that are a term on their own, with no number: "/mute час", "/ban неделю", "/mute полчаса".
_ALONE: dict[str, int] = {w: s for w, s in _UNITS.items() if len(w) > 3 or w in ("час", "day", "дн")}
_ALONE.update({"полчаса": 30 * MINUTE, "полдня": 12 * HOUR, "полгода": 182 * DAY, "год": 365 * DAY,
               "year": 365 * DAY, "минутку": MINUTE})

_PERMANENT_WORDS = {"forever", "perm", "permanent", "permanently", "навсегда", "перм", "∞", "inf"}

_UNIT_RE = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_TOKEN = re.compile(rf"\s*(\d+(?:[.,]\d+)?)\s*({_UNIT_RE})(?![a-zа-яё])\.?\s*", re.IGNORECASE)
_ALONE_RE = "|".join(sorted(map(re.escape, _ALONE), key=len, reverse=True))
_WORD_TOKEN = re.compile(rf"\s*(?:(?:на|for|a|an|one|одну|один|одни)\s+)?({_ALONE_RE})(?![a-zа-яё])\s*", re.IGNORECASE)

class DurationError(ValueError):
    """The text is not a duration. ``code`` ("empty", "no_unit", "garbage", "repeated_unit", "zero")
    is stable and ``text`` is what was given; the adapter words the message."""

    def __init__(self, code: str, text: str = ""):
        self.code = code
        self.text = text
        super().__init__(f"{code}: {text!r}")


@dataclass(frozen=True)
class TelegramUntil:
    """What to pass as ``until_date`` and whether Telegram will make it permanent."""

    until_date: int  # 0 means "forever" for the Bot API
    permanent: bool  # Telegram will treat this restriction as permanent
    warning: str | None = None  # None | "too_short" | "too_long" (only for non-permanent asks)


@dataclass(frozen=True)
class Duration:
    """A length of time in seconds; ``seconds is None`` means permanent."""

    seconds: int | None

    @classmethod
    def permanent(cls) -> "Duration":
        return cls(None)

    @property
    def is_permanent(self) -> bool:
        return self.seconds is None

    @property
    def telegram_warning(self) -> str | None:
        """"too_short" / "too_long" when Telegram would turn this into forever, else None."""
        if self.seconds is None:
            return None
        if self.seconds < TELEGRAM_MIN_SECONDS:
            return "too_short"
        if self.seconds > TELEGRAM_MAX_SECONDS:
            return "too_long"
        return None

    def telegram_until(self, now: float) -> TelegramUntil:
        """``until_date`` for banChatMember / restrictChatMember at time ``now``.

        Permanent -> 0. Out-of-range values keep their real until_date but are flagged
        ``permanent=True`` with a warning so the bot can tell the admin. The date is
        rounded up, so a 30 s mute never becomes 29.x s on our side.
        """
        if self.seconds is None:
            return TelegramUntil(0, True)
        warning = self.telegram_warning
        return TelegramUntil(math.ceil(now + self.seconds), warning is not None, warning)


def parse_duration(text: str) -> Duration:
    """Parse "10m", "1h30m", "2 часа", "1нед", "90s", "forever"/"навсегда"/"perm", and terms
    said in words alone: "час", "полчаса", "сутки", "неделю", "месяц", "hour", "a week".

    A bare number ("10") is refused: minutes or days is a guess we do not make.
    Raises :class:`DurationError` with a code saying what is wrong.
    """
    raw = (text or "").strip()
    if not raw:
        raise DurationError("empty")
    lowered = raw.lower()
    if lowered in _PERMANENT_WORDS:
        return Duration.permanent()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", lowered):
        raise DurationError("no_unit", raw)
    total = 0.0
    seen: set[int] = set()
    pos = 0
    while pos < len(lowered):
        m = _TOKEN.match(lowered, pos)
        if m and m.end() > pos:
            unit, amount = _UNITS[m.group(2).lower()], float(m.group(1).replace(",", "."))
        else:
            m = _WORD_TOKEN.match(lowered, pos)
            if not m or m.end() == pos:
                raise DurationError("garbage", raw)
            unit, amount = _ALONE[m.group(1).lower()], 1.0
        if unit in seen:
            raise DurationError("repeated_unit", raw)
        seen.add(unit)
        total += amount * unit
        pos = m.end()
    seconds = int(round(total))
    if seconds <= 0:
        raise DurationError("zero", raw)
    return Duration(seconds)


@dataclass(frozen=True)
class LeadingTerm:
    """A command's arguments split into the term they start with and the rest (the reason)."""

    duration: Duration | None  # None: the arguments do not start with a term
    reason: str
    error: DurationError | None = None  # they start with a number that is no term ("10 spam", "-5m")


MAX_TERM_WORDS = 6  # "1 час 30 минут 15 секунд": longer runs are never a term


def split_term(args: str) -> LeadingTerm:
    """The term that ``args`` start with and the rest: "2 часа флуд" -> (2 h, "флуд"), "неделю" ->
    (1 week, ""), "флуд" -> (None, "флуд"). The longest run of leading words that reads as a term
    wins, so "1 час 30 минут флуд" is 90 minutes. A leading number that is no term is an error,
    never the start of a reason: "10 spam" must not ban for ever."""
    words = args.split()
    for n in range(min(len(words), MAX_TERM_WORDS), 0, -1):
        try:
            return LeadingTerm(parse_duration(" ".join(words[:n])), " ".join(words[n:]))
        except DurationError:
            continue
    if words and re.match(r"[-+−]?\d", words[0]):
        try:
            parse_duration(words[0])
        except DurationError as exc:
            return LeadingTerm(None, args.strip(), exc)
    return LeadingTerm(None, args.strip())


def split_units(seconds: int | float) -> list[tuple[int, int]]:
    """(count, unit in seconds) for the non-zero parts, largest first: whole weeks as weeks,
    otherwise days, hours, minutes and seconds. 5400 -> [(1, HOUR), (30, MINUTE)]; 0 -> []."""
    left = max(0, int(round(seconds)))
    units = [WEEK] if left and left % WEEK == 0 else [DAY, HOUR, MINUTE, 1]
    parts = []
    for unit in units:
        n, left = divmod(left, unit)
        if n:
            parts.append((n, unit))
    return parts
