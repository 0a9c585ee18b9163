"""/papers (paged list of paper reviews) and /paper <query> (the best matching review as a card)."""
from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from archive.papers import Paper, find_papers, is_paper_link, list_papers
from bot.messages import edit_in_place
from bot.render import escape, link, paging_keyboard
from bot.routers.content.common import in_thread, when_text
from bot.services import Services

MORE_MATCHES = 3


class PapersPage(CallbackData, prefix="pp"):
    page: int


def paper_link(paper: Paper) -> str | None:
    """The link to the paper itself: a paper host first, else the review's first link."""
    return next((u for u in paper.links if is_paper_link(u)), paper.links[0] if paper.links else None)


def paper_card(paper: Paper, t) -> str:
    lines = [f"📄 <b>{escape(paper.title)}</b>"]
    if paper.authors:
        lines.append(f"<i>{escape(paper.authors)}</i>")
    if paper.tldr:
        lines += ["", f"<b>TL;DR:</b> {escape(paper.tldr)}"]
    links = [link(paper.url, t("paper_post_link"))] if paper.url else []
    target = paper_link(paper)
    if target:
        links.append(link(target, t("paper_paper_link")))
    if links:
        lines += ["", " · ".join(links)]
    return "\n".join(lines)


def paper_line(number: int, paper: Paper, tz: str, t) -> str:
    head = f"<b>{number}.</b> {link(paper.url, paper.title)} · <i>{when_text(paper.date, tz, t, has_time=False)}</i>"
    extra = [escape(paper.authors)] if paper.authors else []
    target = paper_link(paper)
    if target:
        extra.append(link(target, t("paper_paper_link")))
    lines = [head] + ([" · ".join(extra)] if extra else [])
    if paper.tldr:
        lines.append(escape(paper.tldr))
    return "\n".join(lines)


def keyboard(page: int, has_next: bool, t) -> InlineKeyboardMarkup | None:
    return paging_keyboard(page, has_next, lambda n: PapersPage(page=n).pack(), t("papers_prev"), t("papers_next"))


async def render_page(services: Services, page: int, t) -> tuple[str, InlineKeyboardMarkup | None]:
    size = services.settings.papers_page_size
    found = await in_thread(services, lambda archive: list_papers(archive, limit=size + 1, offset=page * size))
    if not found:
        return (t("papers_none") if page == 0 else t("papers_no_more")), keyboard(page, False, t)
    shown = found[:size]
    tz = services.settings.timezone
    header = t("papers_header", first=page * size + 1, last=page * size + len(shown))
    blocks = [paper_line(page * size + i + 1, p, tz, t) for i, p in enumerate(shown)]
    return "\n\n".join([header, *blocks]), keyboard(page, len(found) > size, t)


async def papers_command(message: Message, services: Services, t) -> None:
    text, markup = await render_page(services, 0, t)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def papers_page(callback: CallbackQuery, callback_data: PapersPage, services: Services, t) -> None:
    if not isinstance(callback.message, Message):
        await callback.answer()
        return
    text, markup = await render_page(services, max(callback_data.page, 0), t)
    await edit_in_place(callback.message, text, markup)
    await callback.answer()


def search_papers(services: Services, query: str, limit: int) -> list[Paper]:
    """Paper reviews for a query, ranked by the hybrid search (runs in a worker thread)."""
    searcher = services.searcher

    def hybrid(q: str, n: int):
        return searcher.search(q, limit=n).hits

    return find_papers(searcher.archive(), query, search_fn=hybrid, limit=limit)


async def paper_command(message: Message, command: CommandObject, services: Services, t) -> None:
    query = (command.args or "").strip()[:300]
    if not query:
        await message.reply(t("paper_usage"))
        return
    found = await asyncio.to_thread(search_papers, services, query, 1 + MORE_MATCHES)
    if not found:
        await message.reply(t("paper_nothing", query=escape(query)))
        return
    text = paper_card(found[0], t)
    if len(found) > 1:
        others = [f"• {link(p.url, p.title)}" for p in found[1:]]
        text += "\n\n" + t("paper_more") + "\n" + "\n".join(others)
    await message.reply(text, disable_web_page_preview=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(papers_command, Command("papers", "статьи", ignore_case=True))
    router.message.register(paper_command, Command("paper", "статья", ignore_case=True))
    router.callback_query.register(papers_page, PapersPage.filter())
    return router
