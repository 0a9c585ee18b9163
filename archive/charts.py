"""Channel statistics: posts per week, top hashtags, a PNG chart and a short text summary."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from archive.digest import week_key
from archive.dates import DEFAULT_TZ


def posts_per_week(archive, tz: str = DEFAULT_TZ) -> list[tuple[str, int]]:
    """(ISO week key, number of posts), oldest first, with empty weeks filled in as 0."""
    dates = [row[0] for row in archive.db.execute(
        "SELECT date FROM posts WHERE content_hash IS NOT NULL ORDER BY date")]
    if not dates:
        return []
    counts: dict[str, int] = {}
    for d in dates:
        key = week_key(d, tz)
        counts[key] = counts.get(key, 0) + 1
    zone = ZoneInfo(tz)
    day = datetime.fromtimestamp(dates[0], zone)
    last = week_key(dates[-1], tz)
    weeks = []
    while True:
        key = week_key(day, tz)
        weeks.append((key, counts.get(key, 0)))
        if key == last:
            return weeks
        day += timedelta(days=7)


def top_hashtags(archive, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most used hashtags (without '#') with their post counts, most used first."""
    rows = archive.db.execute(
        "SELECT value, COUNT(*) AS c FROM posts, json_each(posts.hashtags) "
        "WHERE content_hash IS NOT NULL GROUP BY value ORDER BY c DESC, value LIMIT ?", [n])
    return [(tag, count) for tag, count in rows]


def stats_chart_png(archive, n: int = 10, tz: str = DEFAULT_TZ) -> bytes:
    """A PNG: posts per week as bars, and the top hashtags as horizontal bars."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    weeks = posts_per_week(archive, tz)
    tags = top_hashtags(archive, n)
    fig = Figure(figsize=(8, 6 if tags else 3.5), dpi=100)
    axes = fig.subplots(2 if tags else 1, 1, squeeze=False)[:, 0]
    ax = axes[0]
    if weeks:
        ax.bar(range(len(weeks)), [c for _, c in weeks], color="#3b82f6")
        step = max(1, len(weeks) // 12)
        ax.set_xticks(range(0, len(weeks), step))
        ax.set_xticklabels([k for k, _ in weeks][::step], rotation=45, ha="right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no posts", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("Posts per week")
    if tags:
        ax2 = axes[1]
        ax2.barh(range(len(tags)), [c for _, c in tags], color="#10b981")
        ax2.set_yticks(range(len(tags)))
        ax2.set_yticklabels(["#" + t for t, _ in tags], fontsize=8)
        ax2.invert_yaxis()
        ax2.set_title("Top hashtags")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


_TEXT = {
    "ru": {"total": "Постов: {n}", "span": "С {first} по {last}", "avg": "В среднем {avg:.1f} в неделю",
           "best": "Самая активная неделя: {week} ({n})", "tags": "Хэштеги: {tags}", "empty": "Архив пуст."},
    "en": {"total": "Posts: {n}", "span": "From {first} to {last}", "avg": "{avg:.1f} a week on average",
           "best": "Busiest week: {week} ({n})", "tags": "Hashtags: {tags}", "empty": "The archive is empty."},
}


def stats_summary(archive, lang: str = "ru", tz: str = DEFAULT_TZ) -> str:
    """A few plain-text lines about the archive."""
    words = _TEXT.get(lang, _TEXT["ru"])
    first, last, total = archive.db.execute(
        "SELECT MIN(date), MAX(date), COUNT(*) FROM posts WHERE content_hash IS NOT NULL").fetchone()
    if not total:
        return words["empty"]
    zone = ZoneInfo(tz)
    fmt = lambda ts: datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d")  # noqa: E731
    weeks = posts_per_week(archive, tz)
    best = max(weeks, key=lambda w: w[1])
    lines = [words["total"].format(n=total), words["span"].format(first=fmt(first), last=fmt(last)),
             words["avg"].format(avg=total / len(weeks)), words["best"].format(week=best[0], n=best[1])]
    tags = top_hashtags(archive, 3)
    if tags:
        lines.append(words["tags"].format(tags=", ".join(f"#{t} ({c})" for t, c in tags)))
    return "\n".join(lines)
