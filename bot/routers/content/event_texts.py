"""How events read in messages: a line in /events and /stream, and the reminder sent to the chat."""
from __future__ import annotations

from archive.events import Event
from bot.render import escape, link
from bot.routers.content.common import when_text
from content.events import EventRecord, Shown

KIND_ICON = {"stream": "📺", "ama": "🎙", "talk": "🎤", "survey": "📋"}


def event_links(e: Event, t) -> list[str]:
    links = [link(e.link, t("event_link"))] if e.link else []
    if e.url:
        links.append(link(e.url, t("event_post")))
    return links


def event_line(shown: Shown, t) -> str:
    e = shown.event
    prefix = f"<code>#{shown.id}</code> " if shown.id else ""
    title = f"{KIND_ICON.get(e.kind, '📅')} {prefix}<b>{escape(e.title)}</b>"
    parts = [title]
    if e.kind == "survey":
        if e.deadline:
            parts.append(t("survey_until", when=when_text(e.deadline, e.tz, t)))
    else:
        parts.append(when_text(e.starts_at, e.tz, t, e.has_time))
    links = event_links(e, t)
    if e.recording_url:
        links.append(link(e.recording_url, t("event_recording")))
    return " — ".join(parts) + ("\n" + " · ".join(links) if links else "")


def left_text(seconds: float, t) -> str:
    minutes = max(1, round(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days and not hours and not mins:
        return t.plural("n_days_acc", days) if days > 1 else t("left_hours", n=24)
    out = []
    if days or hours:
        out.append(t("left_hours", n=days * 24 + hours))
    if mins:
        out.append(t("left_minutes", n=mins))
    return " ".join(out)


def reminder_text(record: EventRecord, now: float, t) -> str:
    e = record.as_event()
    lines = [t("reminder", left=left_text(e.starts_at - now, t), icon=KIND_ICON.get(e.kind, "📅"),
               title=escape(e.title)),
             t("event_starts", when=when_text(e.starts_at, e.tz, t))]
    links = event_links(e, t)
    if links:
        lines.append(" · ".join(links))
    return "\n".join(lines)
