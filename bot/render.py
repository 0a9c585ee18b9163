"""Search results as Telegram HTML."""
from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo


def format_date(timestamp: int, tz: str) -> str:
    return datetime.fromtimestamp(timestamp, ZoneInfo(tz)).strftime("%d.%m.%Y")


def hit_html(number: int, hit, tz: str) -> str:
    """One result: numbered linked title, date, highlighted snippet (already escaped)."""
    title = html.escape(hit.title or "…", quote=False)
    link = f'<a href="{html.escape(hit.url, quote=True)}">{title}</a>' if hit.url else title
    return f"<b>{number}.</b> {link} · <i>{format_date(hit.date, tz)}</i>\n{hit.snippet_html}"


def results_html(header: str, hits, start: int, tz: str) -> str:
    blocks = [hit_html(start + i + 1, hit, tz) for i, hit in enumerate(hits)]
    return "\n\n".join([header, *blocks])
