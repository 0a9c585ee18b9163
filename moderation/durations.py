"""Durations for mutes and bans: parse "10m" / "2 часа" / "навсегда", humanize, Telegram limits.

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

_MESSAGES = {
    "empty": ("Укажите срок, например 10m, 2ч, 3 дня или навсегда.",
              "Give a duration, e.g. 10m, 2h, 3d or forever."),
    "no_unit": ("Непонятен срок «{text}»: укажите единицу — 10m, 10 мин, 2ч, 3д, 1нед.",
                "Cannot read the duration \"{text}\": add a unit — 10m, 2h, 3d, 1w."),
    "garbage": ("Непонятен срок «{text}». Примеры: 10m, 1h30m, 2 часа, 3 дня, 1 неделя, навсегда.",
                "Cannot read the duration \"{text}\". Examples: 10m, 1h30m, 2h, 3d, 1w, forever."),
    "repeated_unit": ("В сроке «{text}» единица повторяется.",
                      "The duration \"{text}\" repeats a unit."),
    "zero": ("Срок должен быть больше нуля.", "The duration must be greater than zero."),
}


class DurationError(ValueError):
    """The text is not a duration. ``code`` is stable; ``str(error)`` is the Russian text."""

    def __init__(self, code: str, text: str = ""):
        self.code = code
        self.text = text
        super().__init__(self.message("ru"))

    def message(self, lang: str = "ru") -> str:
        ru, en = _MESSAGES[self.code]
        return (en if lang == "en" else ru).format(text=self.text)


@dataclass(frozen=True)
class TelegramUntil:
    """What to pass as ``until_date`` and whether Telegram will make it permanent."""

    until_date: int  # 0 means "forever" for the Bot API
    permanent: bool  # Telegram will treat this restriction as permanent
    warning: str | None = None  # None | "too_short" | "too_long" (only for non-permanent asks)

    def warning_text(self, lang: str = "ru") -> str | None:
        if self.warning == "too_short":
            return ("меньше 30 секунд — Telegram сочтёт это навсегда" if lang != "en"
                    else "under 30 seconds: Telegram will treat it as forever")
        if self.warning == "too_long":
            return ("больше 366 дней — Telegram сочтёт это навсегда" if lang != "en"
                    else "over 366 days: Telegram will treat it as forever")
        return None


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

    def humanize(self, lang: str = "ru") -> str:
        return humanize(self.seconds, lang)

    def __str__(self) -> str:
        return self.humanize("ru")


def parse_duration(text: str) -> Duration:
    """Parse "10m", "1h30m", "2 часа", "1нед", "90s", "forever"/"навсегда"/"perm", and terms
    said in words alone: "час", "полчаса", "сутки", "неделю", "месяц", "hour", "a week".

    A bare number ("10") is refused: minutes or days is a guess we do not make.
    Raises :class:`DurationError` with a helpful message.
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


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: 1 минута, 2 минуты, 5 минут, 11 минут, 21 минута."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


_RU_FORMS = {
    WEEK: ("неделя", "недели", "недель"),
    DAY: ("день", "дня", "дней"),
    HOUR: ("час", "часа", "часов"),
    MINUTE: ("минута", "минуты", "минут"),
    1: ("секунда", "секунды", "секунд"),
}
_EN_FORMS = {WEEK: "week", DAY: "day", HOUR: "hour", MINUTE: "minute", 1: "second"}


def humanize(seconds: int | float | None, lang: str = "ru") -> str:
    """ "1 час 30 минут", "2 дня", "1 неделя"; None -> "навсегда" / "forever".

    Whole weeks are shown as weeks; otherwise days, hours, minutes, seconds (non-zero parts).
    """
    if seconds is None:
        return "forever" if lang == "en" else "навсегда"
    left = int(round(seconds))
    if left <= 0:
        return "0 seconds" if lang == "en" else "0 секунд"
    units = [WEEK] if left % WEEK == 0 else [DAY, HOUR, MINUTE, 1]
    parts = []
    for unit in units:
        n, left = divmod(left, unit)
        if not n:
            continue
        if lang == "en":
            parts.append(f"{n} {_EN_FORMS[unit]}{'' if n == 1 else 's'}")
        else:
            parts.append(f"{n} {plural_ru(n, *_RU_FORMS[unit])}")
    return " ".join(parts)
