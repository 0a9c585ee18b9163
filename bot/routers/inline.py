"""Inline search: `@bot leakage` from any chat, paged with next_offset."""
from __future__ import annotations

from aiogram import Router
from aiogram.types import InlineQuery, InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent

from archive.query import parse_query
from bot.render import format_date, hit_html
from bot.routers.search import asks_something
from bot.services import Services

PAGE = 10


async def inline_search(inline_query: InlineQuery, services: Services, t) -> None:
    query = parse_query(inline_query.query, services.settings.timezone)
    offset = int(inline_query.offset) if inline_query.offset.isdigit() else 0
    if not asks_something(query) or query.problems:
        await inline_query.answer([], cache_time=5, is_personal=True, button=InlineQueryResultsButton(
            text=t("inline_hint"), start_parameter="search"))
        return
    hits, has_next = await services.search(query, offset=offset, limit=PAGE)
    tz = services.settings.timezone
    results = [
        InlineQueryResultArticle(
            id=f"{hit.post_id}",
            title=hit.title or "…",
            description=f"{format_date(hit.date, tz)} · {hit.snippet}"[:200],
            url=hit.url,
            input_message_content=InputTextMessageContent(
                message_text=hit_html(offset + i + 1, hit, tz), parse_mode="HTML"),
        )
        for i, hit in enumerate(hits)
    ]
    nothing = InlineQueryResultsButton(text=t("inline_nothing"), start_parameter="search")
    await inline_query.answer(
        results, cache_time=30, is_personal=False,
        next_offset=str(offset + PAGE) if has_next else "", button=None if results or offset else nothing)


def build_router() -> Router:
    router = Router(name=__name__)
    router.inline_query.register(inline_search)
    return router
