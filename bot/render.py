"""Telegram HTML: escaping, links, and search results."""
from __future__ import annotations

import html
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup


def escape(text: str | None) -> str:
    """Text made safe for Telegram HTML (None becomes "")."""
    return html.escape(text or "", quote=False)


def link(url: str | None, label: str) -> str:
    """An HTML link with an escaped label, or the label alone when there is no url."""
    if not url:
        return escape(label)
    return f'<a href="{html.escape(url, quote=True)}">{escape(label)}</a>'


def format_date(timestamp: int, tz: str) -> str:
    return datetime.fromtimestamp(timestamp, ZoneInfo(tz)).strftime("%d.%m.%Y")


def hit_html(number: int, hit, tz: str) -> str:
    """One result: numbered linked title, date, highlighted snippet (already escaped)."""
    title = link(hit.url, hit.title or "…")
    return f"<b>{number}.</b> {title} · <i>{format_date(hit.date, tz)}</i>\n{hit.snippet_html}"


def results_html(header: str, hits, start: int, tz: str) -> str:
    blocks = [hit_html(start + i + 1, hit, tz) for i, hit in enumerate(hits)]
    return "\n\n".join([header, *blocks])


def paging_keyboard(page: int, has_next: bool, data_for: Callable[[int], str], back: str,
                    forward: str) -> InlineKeyboardMarkup | None:
    """Back and forward buttons around `page` (none on a single page); `data_for(n)` is the
    callback data that shows page n."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text=back, callback_data=data_for(page - 1)))
    if has_next:
        row.append(InlineKeyboardButton(text=forward, callback_data=data_for(page + 1)))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None
