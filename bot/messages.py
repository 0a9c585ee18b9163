"""Small helpers around Telegram messages shared by the routers."""
from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message


async def edit_in_place(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit a bot message (paging); pressing the same page twice is not an error."""
    try:
        await message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            raise


TEXT_LIMIT = 4096
LIST_LIMIT = 30  # items in one list message (buttons too)


def join_within(blocks: list[str], more, sep: str = "\n\n", limit: int = TEXT_LIMIT - 96,
                hidden: int = 0) -> str:
    """Join whole blocks while they fit one Telegram message (and LIST_LIMIT items after the
    first, a header); `more(n)` words the n left out, `hidden` of them already cut by the caller."""
    kept: list[str] = []
    size = 0
    for block in blocks:
        if size + len(block) + len(sep) > limit or len(kept) > LIST_LIMIT:
            break
        kept.append(block)
        size += len(block) + len(sep)
    left_out = len(blocks) - len(kept) + hidden
    return sep.join(kept + [more(left_out)] if left_out else kept)
