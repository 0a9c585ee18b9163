"""Weekly digest: what appeared in the channel between two moments, grouped and ranked."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from archive.dates import DEFAULT_TZ
from archive.events import Event, events_from_posts
from archive.models import Post
from archive.papers import Paper, recognise_paper


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str | None
    reaction_total: int | None  # None when no reactions are known for the post
    date: int
    detail: str | None = None   # authors of a paper, start time of an event


@dataclass(frozen=True)
class Digest:
    since: int
    until: int
    papers: list[DigestItem] = field(default_factory=list)
    events: list[DigestItem] = field(default_factory=list)
    other: list[DigestItem] = field(default_factory=list)
    tz: str = DEFAULT_TZ

    @property
    def total(self) -> int:
        return len(self.papers) + len(self.events) + len(self.other)


def _to_ts(value) -> int:
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)


def week_key(dt, tz: str = DEFAULT_TZ) -> str:
    """ISO week of a moment in a zone, e.g. "2024-W32" (unix seconds or an aware datetime)."""
    moment = datetime.fromtimestamp(_to_ts(dt), ZoneInfo(tz))
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(key: str, tz: str = DEFAULT_TZ) -> tuple[int, int]:
    """[Monday 00:00, next Monday 00:00) of an ISO week key, in unix seconds."""
    year, week = key.split("-W")
    start = datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=ZoneInfo(tz))
    return int(start.timestamp()), int((start + timedelta(days=7)).timestamp())


TITLE_LIMIT = 80
_BARE_URL = re.compile(r"^\s*https?://\S+\s*$")


def _short(title: str, limit: int = TITLE_LIMIT) -> str:
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    return (cut[:cut.rfind(" ")] if " " in cut[limit // 2:] else cut).rstrip(" ,;:") + "…"


def _post_title(post: Post) -> str:
    """The first line that is not a bare link (a link-only post keeps its link)."""
    lines = [line.strip().lstrip("#").strip() for line in post.text.splitlines() if line.strip()]
    words = [line for line in lines if not _BARE_URL.match(line)]
    return _short((words or lines or [post.title])[0])


def _reactions(post: Post) -> int | None:
    return sum(post.reactions.values()) if post.reactions else None


def _ranked(items: Iterable[DigestItem]) -> list[DigestItem]:
    """Most reactions first where known, then the rest by date (oldest first)."""
    return sorted(items, key=lambda i: (i.reaction_total is None, -(i.reaction_total or 0), i.date))


def _event_detail(event: Event) -> str | None:
    if event.kind == "survey":
        if event.deadline:
            return "до " + datetime.fromtimestamp(event.deadline, ZoneInfo(event.tz)).strftime("%d.%m")
        return None
    start = event.start
    if start is None:
        return None
    return start.strftime("%d.%m %H:%M %Z" if event.has_time else "%d.%m")


def build_digest(archive, since, until, *,
                 papers_fn: Callable[[Post], Paper | None] | None = None,
                 events_fn: Callable[[list[Post]], list[Event]] | None = None,
                 tz: str = DEFAULT_TZ) -> Digest | None:
    """Posts in [since, until) as papers / events / other posts; None when nothing is new.

    `papers_fn(post)` defaults to `recognise_paper`; `events_fn(posts)` to `events_from_posts`.
    """
    papers_fn = papers_fn or recognise_paper
    events_fn = events_fn or (lambda posts: events_from_posts(posts, tz))
    since_ts, until_ts = _to_ts(since), _to_ts(until)
    posts = [p for p in archive.posts(since=since_ts, until=until_ts, newest_first=False)
             if (p.text or "").strip()]
    if not posts:
        return None
    by_message = {p.message_id: p for p in posts}
    used: set[int] = set()
    papers = []
    for post in posts:
        paper = papers_fn(post)
        if paper:
            used.add(post.id)
            papers.append(DigestItem(_short(paper.title, 120), paper.url or post.url, _reactions(post), post.date,
                                     paper.authors))
    events = []
    for event in events_fn(posts):
        announced = [by_message[m] for m in (event.message_ids or (event.message_id,)) if m in by_message]
        if not announced:
            continue
        used.update(p.id for p in announced)
        totals = [t for t in map(_reactions, announced) if t is not None]
        events.append(DigestItem(_short(event.title), event.url, sum(totals) if totals else None,
                                 announced[0].date, _event_detail(event)))
    other = [DigestItem(_post_title(p), p.url, _reactions(p), p.date)
             for p in posts if p.id not in used]
    return Digest(since_ts, until_ts, _ranked(papers), _ranked(events), _ranked(other), tz)


_TEXT = {
    "ru": {"title": "Дайджест за {period}", "papers": "📄 Статьи", "events": "📅 События",
           "other": "📝 Посты", "more": "…и ещё {n}",
           "months": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                      "сентября", "октября", "ноября", "декабря"]},
    "en": {"title": "Digest for {period}", "papers": "📄 Papers", "events": "📅 Events",
           "other": "📝 Posts", "more": "…and {n} more",
           "months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]},
}


def _period(digest: Digest, lang: str) -> str:
    zone = ZoneInfo(digest.tz)
    first = datetime.fromtimestamp(digest.since, zone)
    last = datetime.fromtimestamp(digest.until - 1, zone)
    months = _TEXT[lang]["months"]
    if lang == "ru":
        a = f"{first.day}" + ("" if first.month == last.month else f" {months[first.month - 1]}")
        return f"{a}–{last.day} {months[last.month - 1]}"
    a = f"{months[first.month - 1]} {first.day}"
    b = f"{last.day}" if first.month == last.month else f"{months[last.month - 1]} {last.day}"
    return f"{a}–{b}"


def _line(item: DigestItem) -> str:
    title = html.escape(item.title or "…", quote=False)
    link = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>' if item.url else title
    extra = [html.escape(item.detail, quote=False)] if item.detail else []
    if item.reaction_total:
        extra.append(f"♥ {item.reaction_total}")
    return "• " + link + (" — " + " · ".join(extra) if extra else "")


def render_digest(digest: Digest, lang: str = "ru", max_items: int = 5) -> str:
    """Telegram HTML: a heading, then up to `max_items` lines per non-empty section."""
    words = _TEXT.get(lang, _TEXT["ru"])
    lang = lang if lang in _TEXT else "ru"
    out = [f"<b>{html.escape(words['title'].format(period=_period(digest, lang)), quote=False)}</b>"]
    for key in ("papers", "events", "other"):
        items = getattr(digest, key)
        if not items:
            continue
        out.append("")
        out.append(f"<b>{words[key]}</b>")
        out += [_line(i) for i in items[:max_items]]
        if len(items) > max_items:
            out.append(words["more"].format(n=len(items) - max_items))
    return "\n".join(out)
