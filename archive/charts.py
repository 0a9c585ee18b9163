"""Channel statistics: posts per week, top hashtags, a PNG chart and the numbers for a summary."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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


@dataclass(frozen=True)
class ChartLabels:
    """The words drawn on the chart; the bot passes them in the reader's language."""

    posts_per_week: str = "Posts per week"
    top_hashtags: str = "Top hashtags"
    no_posts: str = "no posts"


def week_start(key: str) -> date:
    """The Monday of an ISO week key ("2024-W31" -> 29 July 2024)."""
    year, week = key.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def stats_figure(archive, n: int = 10, tz: str = DEFAULT_TZ, labels: ChartLabels = ChartLabels()):
    """A matplotlib Figure: posts per week as bars (each week named by its Monday, "29.07"),
    and the top hashtags as horizontal bars; count axes have whole-number ticks."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    weeks = posts_per_week(archive, tz)
    tags = top_hashtags(archive, n)
    fig = Figure(figsize=(8, 6 if tags else 3.5), dpi=100)
    axes = fig.subplots(2 if tags else 1, 1, squeeze=False)[:, 0]
    ax = axes[0]
    if weeks:
        ax.bar(range(len(weeks)), [c for _, c in weeks], color="#3b82f6")
        step = max(1, len(weeks) // 12)
        ax.set_xticks(range(0, len(weeks), step))
        ax.set_xticklabels([f"{week_start(k):%d.%m}" for k, _ in weeks][::step], rotation=45, ha="right", fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.text(0.5, 0.5, labels.no_posts, ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_title(labels.posts_per_week)
    if tags:
        ax2 = axes[1]
        ax2.barh(range(len(tags)), [c for _, c in tags], color="#10b981")
        ax2.set_yticks(range(len(tags)))
        ax2.set_yticklabels(["#" + t for t, _ in tags], fontsize=8)
        ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.invert_yaxis()
        ax2.set_title(labels.top_hashtags)
    fig.tight_layout()
    return fig


def stats_chart_png(archive, n: int = 10, tz: str = DEFAULT_TZ, labels: ChartLabels = ChartLabels()) -> bytes:
    """`stats_figure` as PNG bytes."""
    buf = io.BytesIO()
    stats_figure(archive, n, tz, labels).savefig(buf, format="png")
    return buf.getvalue()


@dataclass(frozen=True)
class ChannelStats:
    total: int                          # posts in the archive
    first: datetime                     # the first and the last post, in the zone asked for
    last: datetime
    per_week: float                     # posts per week on average, empty weeks included
    busiest_week: tuple[str, int]       # (ISO week key, posts)
    top_tags: list[tuple[str, int]]     # (hashtag without '#', posts), most used first


def channel_stats(archive, tz: str = DEFAULT_TZ, tags: int = 3) -> ChannelStats | None:
    """The numbers of the /stats summary; None for an empty archive."""
    first, last, total = archive.db.execute(
        "SELECT MIN(date), MAX(date), COUNT(*) FROM posts WHERE content_hash IS NOT NULL").fetchone()
    if not total:
        return None
    zone = ZoneInfo(tz)
    weeks = posts_per_week(archive, tz)
    return ChannelStats(total, datetime.fromtimestamp(first, zone), datetime.fromtimestamp(last, zone),
                        total / len(weeks), max(weeks, key=lambda w: w[1]), top_hashtags(archive, tags))
