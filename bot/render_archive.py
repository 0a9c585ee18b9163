"""The archive's digests and statistics as Telegram text, through the catalog."""
from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

from archive.charts import ChannelStats, ChartLabels, week_start
from archive.digest import Digest, DigestItem
from bot.i18n import Translator

def zone_label(moment: datetime, t: Translator) -> str:
    """The zone's abbreviation as the reader writes it ("МСК" in Russian, "MSK" in English);
    a zone the catalog does not name keeps its own abbreviation ("CET")."""
    abbr = moment.strftime("%Z")
    key = f"tz_{abbr}"
    label = t(key)
    return abbr if label == key else label


def moment_text(ts: int, tz: str, t: Translator, *, year: bool = True, has_time: bool = True) -> str:
    """ "20.12.2026 19:00 МСК", "20.12 19:00 MSK", or only the day when no hour is known."""
    moment = datetime.fromtimestamp(ts, ZoneInfo(tz))
    day = moment.strftime("%d.%m.%Y" if year else "%d.%m")
    return f"{day} {moment:%H:%M} {zone_label(moment, t)}" if has_time else day


SECTIONS = (("papers", "digest_papers"), ("events", "digest_events"), ("other", "digest_other"))


def digest_period(digest: Digest, t: Translator) -> str:
    """ "12–18 августа", "Aug 12–18"; the month is named twice only when it changes."""
    zone = ZoneInfo(digest.tz)
    first = datetime.fromtimestamp(digest.since, zone)
    last = datetime.fromtimestamp(digest.until - 1, zone)
    if (first.year, first.month) == (last.year, last.month):
        return t("digest_period_same_month", first_day=first.day, last_day=last.day,
                 month=format_date(first, t("digest_month"), locale=t.lang))
    pattern = t("digest_day_month")
    return t("digest_period", first=format_date(first, pattern, locale=t.lang),
             last=format_date(last, pattern, locale=t.lang))


def digest_line(item: DigestItem, t: Translator, tz: str) -> str:
    title = html.escape(item.title or "…", quote=False)
    link = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>' if item.url else title
    extra = [html.escape(item.detail, quote=False)] if item.detail else []
    if item.starts_at:
        extra.append(moment_text(item.starts_at, tz, t, year=False, has_time=item.has_time))
    if item.deadline:
        extra.append(t("survey_until", when=moment_text(item.deadline, tz, t, year=False, has_time=False)))
    if item.reaction_total:
        extra.append(f"♥ {item.reaction_total}")
    return "• " + link + (" — " + " · ".join(extra) if extra else "")


def render_digest(digest: Digest, lang: str, max_items: int = 5) -> str:
    """Telegram HTML: a heading, then up to `max_items` lines per non-empty section."""
    t = Translator(lang)
    out = [f"<b>{html.escape(t('digest_title', period=digest_period(digest, t)), quote=False)}</b>"]
    for section, key in SECTIONS:
        items = getattr(digest, section)
        if not items:
            continue
        out += ["", f"<b>{t(key)}</b>"]
        out += [digest_line(item, t, digest.tz) for item in items[:max_items]]
        if len(items) > max_items:
            out.append(t("list_more", n=len(items) - max_items))
    return "\n".join(out)


def stats_summary(stats: ChannelStats | None, t: Translator) -> str:
    """A few plain-text lines about the archive."""
    if stats is None:
        return t("stats_empty")
    week, in_week = stats.busiest_week
    monday = week_start(week)
    lines = [t("stats_total", n=stats.total),
             t("stats_span", first=f"{stats.first:%d.%m.%Y}", last=f"{stats.last:%d.%m.%Y}"),
             t("stats_avg", avg=format_decimal(stats.per_week, "0.0", locale=t.lang)),
             t("stats_best", week=f"{monday:%d.%m}–{monday + timedelta(days=6):%d.%m.%Y}", n=in_week)]
    if stats.top_tags:
        lines.append(t("stats_tags", tags=", ".join(f"#{tag} ({n})" for tag, n in stats.top_tags)))
    return "\n".join(lines)


def chart_labels(t: Translator) -> ChartLabels:
    return ChartLabels(t("chart_posts_per_week"), t("chart_top_hashtags"), t("chart_no_posts"))
