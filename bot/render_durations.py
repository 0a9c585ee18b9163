"""Durations in words, through the catalog: "1 час 30 минут", "бан на 1 неделю", "forever"."""
from __future__ import annotations

import html

from bot.i18n import translate, translate_plural
from moderation.durations import DAY, HOUR, MINUTE, WEEK, DurationError, split_units

_UNIT_KEYS = {WEEK: "n_weeks", DAY: "n_days", HOUR: "n_hours", MINUTE: "n_minutes", 1: "n_seconds"}


def humanize(seconds: int | float | None, lang: str = "ru", *, accusative: bool = False) -> str:
    """ "1 час 30 минут", "2 дня", "1 неделя"; None -> "навсегда" / "forever".

    `accusative` for a term after "на", "через", "за" or a verb: "бан на 1 неделю", "за 1 минуту".
    """
    if seconds is None:
        return translate("forever", lang)
    suffix = "_acc" if accusative else ""
    parts = split_units(seconds) or [(0, 1)]
    return " ".join(translate_plural(_UNIT_KEYS[unit] + suffix, n, lang) for n, unit in parts)


def duration_error_text(error: DurationError, t) -> str:
    """Why the admin's duration was refused, with examples of what works."""
    return t(f"mod_duration_{error.code}", text=html.escape(error.text, quote=False))
