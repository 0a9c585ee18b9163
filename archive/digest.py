"""Weekly digest: what appeared in the channel between two moments, grouped and ranked."""
from __future__ import annotations

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
    detail: str | None = None   # authors of a paper
    deadline: int | None = None  # when a survey closes (unix seconds)
    starts_at: int | None = None  # when an event starts (unix seconds; the renderer words it)
    has_time: bool = True         # False when the event's post named a day but no hour


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
        deadline = event.deadline if event.kind == "survey" else None
        starts_at = event.starts_at if event.kind != "survey" else None
        events.append(DigestItem(_short(event.title), event.url, sum(totals) if totals else None,
                                 announced[0].date, deadline=deadline, starts_at=starts_at,
                                 has_time=event.has_time))
    other = [DigestItem(_post_title(p), p.url, _reactions(p), p.date)
             for p in posts if p.id not in used]
    return Digest(since_ts, until_ts, _ranked(papers), _ranked(events), _ranked(other), tz)
