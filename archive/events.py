"""Events: announcements of streams, talks, AMAs and surveys, with their start times.

A post is an announcement when its words say so (a stream, an AMA, a talk, a survey with
a call to take it); its start is the first date/time phrase in it (archive/dates.py),
read relative to the post's date. Repeated announcements of one event are merged, and a
later post linking a video becomes the event's recording.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time as Time
from typing import Iterable
from zoneinfo import ZoneInfo

from archive import text as textlib
from archive.dates import DEFAULT_TZ, find_day, find_time, unix_seconds, when_in_text, when_spans
# The content routers import these from here; new code imports them from archive.dates.
from archive.models import Post

LIVE_KINDS = ("stream", "ama", "talk")
SURVEY_MAX_AGE = 30 * 86400


@dataclass(frozen=True)
class Event:
    """An announced event; times are unix seconds, `tz` is the zone the text meant."""

    post_id: int
    message_id: int
    kind: str  # "stream" | "talk" | "ama" | "survey"
    title: str
    starts_at: int | None
    tz: str = DEFAULT_TZ
    link: str | None = None
    deadline: int | None = None
    recording_url: str | None = None
    url: str | None = None
    posted_at: int = 0
    has_time: bool = True  # False when the post named a day but no hour
    message_ids: tuple[int, ...] = field(default=())

    @property
    def start(self) -> datetime | None:
        """The start as an aware datetime in the event's zone."""
        if self.starts_at is None:
            return None
        return datetime.fromtimestamp(self.starts_at, ZoneInfo(self.tz))


# -- recognising announcements ---------------------------------------------------------
_SURVEY = re.compile(r"((?<!\w)опрос\w*|(?<!\w)анкет\w*|\bsurvey\w*|questionnaire|forms\.gle|docs\.google\.com/forms)", re.I)
_SURVEY_CALL = re.compile(r"(пройд|проход|заполн|поучаств|участв|ответьте|приглаша|take\s+(?:the|our|a)|fill|participate)", re.I)
_AMA = re.compile(r"(?<!\w)AMA(?!\w)|ask me anything", re.I)
_STREAM = re.compile(r"(стрим\w*|трансляц\w*|прям\w+\s+эфир\w*|в\s+эфире|эфир\b|livestream\w*|live\s*stream\w*|\bstream(?:ing)?\b|twitch\.tv)", re.I)
_TALK = re.compile(r"(выступ\w*|доклад\w*|лекци\w*|вебинар\w*|webinar\w*|\btalk\b|митап\w*|meetup\w*|semin\w+|семинар\w*)", re.I)
_RECORDING = re.compile(r"(запис[ьи]|recording|видео|video|вышло|выложил\w*|slides|слайды)", re.I)
_VIDEO_HOST = re.compile(r"(youtube\.com/|youtu\.be/|vimeo\.com/|twitch\.tv/videos|rutube\.ru/video|vk\.com/video)", re.I)
_QUOTED = re.compile(r"[\"«“„]([^\"»”“\n]{3,120})[\"»”“]")
_TOPIC = re.compile(r"^\s*(?:тема|topic|title|название)\s*:\s*(.+)$", re.I | re.M)
_DEADLINE = re.compile(r"(?:(?<!\w)до|\buntil|\bby|\bdeadline:?|дедлайн:?)\s+(?P<rest>.{0,40})", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:gle|ly|io|com|ru|org)/\S*", re.I)
_LEAD = re.compile(r"(?:(?<!\w)(?:в|во|на|с|до|к|at|on|by|until|from)\s+|[,\s]+)$", re.I)
TITLE_LIMIT = 90
_FORM_HOST = re.compile(r"(forms\.gle|docs\.google\.com/forms|typeform|surveymonkey|anketolog|forms\.yandex|survey)", re.I)


def _kind(text: str) -> str | None:
    if _SURVEY.search(text) and _SURVEY_CALL.search(text):
        return "survey"
    if _AMA.search(text):
        return "ama"
    if _STREAM.search(text):
        return "stream"
    if _TALK.search(text):
        return "talk"
    return None


def is_recording_post(post: Post) -> bool:
    return bool(any(_VIDEO_HOST.search(u) for u in post.links) and _RECORDING.search(post.text))


def _title(text: str, base: float, tz: str) -> str:
    """A short name: a "Тема:" line, a quoted name near the top, or the first sentence without
    its links and its date phrase (the message shows the start beside the title)."""
    m = _TOPIC.search(text)
    if m:
        topic = m.group(1).strip()
        q = _QUOTED.fullmatch(topic)
        return (q.group(1) if q else topic).strip()
    head = "\n".join(text.splitlines()[:3])
    m = _QUOTED.search(head)
    if m:
        return m.group(1).strip()
    first = re.split(r"(?<=[.!?])\s", textlib.title_of(_URL.sub(" ", text), limit=300))[0]
    first = _without_when(first, base, tz).rstrip(".")
    if len(first) <= TITLE_LIMIT:
        return first
    cut = first[:TITLE_LIMIT - 1]
    return cut[:cut.rfind(" ")].rstrip(" ,;:") + "…" if " " in cut else cut + "…"


def _without_when(sentence: str, base: float, tz: str) -> str:
    """The sentence with its date, time and zone cut out, and the words that led to them
    ("в", "до", "at"...): "Стрим 20 декабря в 19:00 по Москве: о RLHF" -> "Стрим: о RLHF"."""
    for a, b in reversed(when_spans(sentence, base, tz)):
        lead = _LEAD.search(sentence[:a])
        sentence = sentence[:lead.start() if lead else a] + " " + sentence[b:]
    sentence = re.sub(r"\s+([,;:.!?])", r"\1", re.sub(r"\s{2,}", " ", sentence)).strip()
    sentence = re.sub(r"^[,;:—–-]\s*|[\s,;:—–-]+$", "", sentence)
    return re.sub(r"(?<=\w)[,;](?=:)|([,;:]){2,}", lambda m: m.group(1) or "", sentence)


def _link(post: Post, kind: str) -> str | None:
    links = [u for u in post.links if not u.startswith("https://t.me/" + "c/")]
    if kind == "survey":
        forms = [u for u in links if _FORM_HOST.search(u)]
        if forms:
            return forms[0]
    return links[0] if links else None


def _deadline(text: str, base_ts: float, tz: str) -> int | None:
    zone = ZoneInfo(tz)
    base = datetime.fromtimestamp(base_ts, zone).date()
    for m in _DEADLINE.finditer(text):
        day, span = find_day(m["rest"], base)
        if day and span[0] <= 2:
            when, _ = find_time(m["rest"])
            hour, minute = when or (23, 59)
            return int(datetime.combine(day, Time(hour, minute, 59 if not when else 0), zone).timestamp())
    return None


def event_of(post: Post, tz: str = DEFAULT_TZ) -> Event | None:
    """The event a post announces, or None (recordings of past events are not announcements)."""
    text = post.text or ""
    kind = _kind(text)
    if kind is None or is_recording_post(post):
        return None
    start, has_time, zone = when_in_text(text, post.date, tz)
    if kind != "survey":
        if start is None:
            return None
        post_day = datetime.fromtimestamp(post.date, start.tzinfo).date()
        if start.date() < post_day or (has_time and start.timestamp() < post.date - 3600):
            return None
    deadline = _deadline(text, post.date, zone) if kind == "survey" else None
    if kind == "survey":
        start, has_time = None, False
    return Event(
        post_id=post.id, message_id=post.message_id, kind=kind, title=_title(text, post.date, zone),
        starts_at=int(start.timestamp()) if start else None, tz=zone, link=_link(post, kind),
        deadline=deadline, url=post.url, posted_at=post.date, has_time=has_time,
        message_ids=(post.message_id,),
    )


def _same_event(a: Event, b: Event) -> bool:
    if a.kind != b.kind:
        return False
    if a.title.casefold() == b.title.casefold() and len(a.title.split()) > 1:
        return True  # a bare "Стрим" (its date cut from the title) names no particular stream
    if a.starts_at is None or b.starts_at is None or a.kind == "survey":
        return False
    day = lambda e: datetime.fromtimestamp(e.starts_at, ZoneInfo(e.tz)).date()  # noqa: E731
    return day(a) == day(b) and (not a.has_time or not b.has_time or a.starts_at == b.starts_at)


def _merge(old: Event, new: Event) -> Event:
    """The later announcement wins, but a precise time is never replaced by a bare day."""
    keep_old_time = old.has_time and not new.has_time
    return replace(
        new,
        starts_at=old.starts_at if keep_old_time else (new.starts_at or old.starts_at),
        has_time=old.has_time or new.has_time,
        tz=old.tz if keep_old_time else new.tz,
        link=new.link or old.link, deadline=new.deadline or old.deadline,
        recording_url=new.recording_url or old.recording_url,
        message_ids=tuple(dict.fromkeys(old.message_ids + new.message_ids)),
    )


def events_from_posts(posts: Iterable[Post], tz: str = DEFAULT_TZ) -> list[Event]:
    """Events announced in posts (oldest first), repeated announcements merged, recordings linked."""
    posts = sorted(posts, key=lambda p: (p.date, p.message_id))
    events: list[Event] = []
    for post in posts:
        event = event_of(post, tz)
        if event is None:
            continue
        for i, known in enumerate(events):
            if _same_event(known, event):
                events[i] = _merge(known, event)
                break
        else:
            events.append(event)
    return link_recordings(events, posts)


def extract_events(archive, tz: str = DEFAULT_TZ, since: int | None = None) -> list[Event]:
    """Every event announced in the archive, oldest first."""
    return events_from_posts(archive.posts(since=since, newest_first=False), tz)


def link_recordings(events: list[Event], posts: Iterable[Post]) -> list[Event]:
    """Set `recording_url` from a later post that links a video of the event.

    A recording post has a video link and a word like "Запись"/"recording"; it matches the
    event whose title it quotes, else the latest live event that started before it.
    """
    out = list(events)
    for post in sorted(posts, key=lambda p: p.date):
        if not is_recording_post(post):
            continue
        video = next(u for u in post.links if _VIDEO_HOST.search(u))
        text = post.text.casefold()
        past = [i for i, e in enumerate(out) if e.kind in LIVE_KINDS and not e.recording_url
                and (e.starts_at or e.posted_at) <= post.date]
        named = [i for i in past if out[i].title and out[i].title.casefold() in text]
        recent = [i for i in past if post.date - (out[i].starts_at or out[i].posted_at) <= 30 * 86400
                  and _kind(post.text) is not None]
        pick = named or recent
        if pick:
            i = max(pick, key=lambda j: out[j].starts_at or out[j].posted_at)
            out[i] = replace(out[i], recording_url=video)
    return out


# -- questions the bot asks -----------------------------------------------------------------
def upcoming(events: Iterable[Event], now=None, kinds: Iterable[str] | None = None) -> list[Event]:
    """Events that have not started yet, soonest first (a day-only event counts all that day)."""
    now_ts = unix_seconds(now)
    wanted = set(kinds) if kinds else None
    out = []
    for e in events:
        if e.starts_at is None or (wanted and e.kind not in wanted):
            continue
        end = e.starts_at if e.has_time else e.starts_at + 86400
        if end > now_ts:
            out.append(e)
    return sorted(out, key=lambda e: e.starts_at)


def next_stream(events: Iterable[Event], now=None, kinds: Iterable[str] = LIVE_KINDS) -> Event | None:
    """The next live event (stream, AMA or talk), or None."""
    soon = upcoming(events, now, kinds)
    return soon[0] if soon else None


def open_surveys(events: Iterable[Event], now=None, max_age: int = SURVEY_MAX_AGE) -> list[Event]:
    """Surveys still open: before their deadline, or posted within `max_age` if none was given."""
    now_ts = unix_seconds(now)
    out = [e for e in events if e.kind == "survey" and e.posted_at <= now_ts
           and (e.deadline > now_ts if e.deadline else now_ts - e.posted_at <= max_age)]
    return sorted(out, key=lambda e: e.posted_at, reverse=True)


def reminder_times(event: Event, offsets: Iterable[int] = (86400, 3600), now=None) -> list[tuple[int, int]]:
    """(offset, fire_at) pairs for reminders before the start, skipping those already past.

    A day-only event (no hour known) gets no reminders.
    """
    if event.starts_at is None or not event.has_time:
        return []
    now_ts = unix_seconds(now)
    plan = [(int(off), event.starts_at - int(off)) for off in sorted(offsets, reverse=True)]
    return [(off, at) for off, at in plan if at > now_ts]
