"""/search with paging that edits the same message."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from archive.query import Query, parse_query
from archive.text import clean
from bot.messages import edit_in_place
from bot.render import escape, paging_keyboard, results_html
from bot.services import Services

SHOWN_QUERY_CHARS = 100


def asks_something(query: Query) -> bool:
    """Words, a hashtag or a date filter (a filter alone lists posts); a bad date is answered too."""
    return bool(query.text or query.hashtag or query.since or query.until or query.problems)


def shown_query(raw: str) -> str:
    """The query as echoed back: escaped, and cut short so a huge query does not flood the reply."""
    raw = " ".join(raw.split())
    if len(raw) > SHOWN_QUERY_CHARS:
        raw = raw[:SHOWN_QUERY_CHARS].rstrip() + "…"
    return escape(raw)


class SearchPageButton(CallbackData, prefix="sp"):
    """A Prev/Next button: the stored query (search_queries.id) and the page to show."""
    qid: int
    page: int


def keyboard(qid: int, page: int, has_next: bool, t) -> InlineKeyboardMarkup | None:
    return paging_keyboard(page, has_next, lambda n: SearchPageButton(qid=qid, page=n).pack(),
                           t("search_prev"), t("search_next"))


async def render_page(services: Services, raw: str, qid: int, page: int, t) -> tuple[str, InlineKeyboardMarkup | None]:
    query = parse_query(raw, services.settings.timezone)
    if query.problems:
        return t("search_bad_date", value=escape(query.problems[0])), None
    size = services.settings.search_page_size
    hits, has_next = await services.search(query, offset=page * size, limit=size)
    shown = shown_query(raw)
    if not hits:
        return t("search_nothing", query=shown), keyboard(qid, page, False, t)
    first, last = page * size + 1, page * size + len(hits)
    if query.text and not any("fts" in hit.ranks for hit in hits):
        header = t("search_header_similar", query=shown)  # no word matched: say so
    elif last == 1:
        header = t("search_header_one", query=shown)
    else:
        header = t("search_header", query=shown, first=first, last=last)
    return results_html(header, hits, page * size, services.settings.timezone), keyboard(qid, page, has_next, t)


async def search_command(message: Message, command: CommandObject, services: Services, t, lang: str) -> None:
    raw = clean((command.args or "").strip())  # a lone surrogate cannot be stored or encoded
    if not asks_something(parse_query(raw)):
        await message.reply(t("search_usage"))
        return
    user_id = message.from_user.id if message.from_user else 0
    qid = services.db["search_queries"].insert({
        "user_id": user_id, "chat_id": message.chat.id, "query": raw[:1000], "lang": lang,
        "created_at": int(services.clock.now())}).last_pk
    text, markup = await render_page(services, raw[:1000], qid, 0, t)
    await message.reply(text, reply_markup=markup, disable_web_page_preview=True)


async def search_page(callback: CallbackQuery, callback_data: SearchPageButton, services: Services, t) -> None:
    """Pages only for the person who searched, in the chat they searched in: a search id is a
    counter, and a forged button must not show someone else's private search."""
    row = services.db.execute(
        "SELECT query, user_id, chat_id FROM search_queries WHERE id = ?", [callback_data.qid]).fetchone()
    if row is None or not isinstance(callback.message, Message):
        await callback.answer(t("search_expired"), show_alert=True)
        return
    query, user_id, chat_id = row
    if (user_id, chat_id) != (callback.from_user.id, callback.message.chat.id):
        await callback.answer(t("search_not_yours"))
        return
    text, markup = await render_page(services, query, callback_data.qid, max(callback_data.page, 0), t)
    await edit_in_place(callback.message, text, markup)
    await callback.answer()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(search_command, Command("search", "s", "find", "поиск", ignore_case=True))
    router.callback_query.register(search_page, SearchPageButton.filter())
    return router
