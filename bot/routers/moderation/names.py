"""Names of people and chats as safe Telegram HTML (escaped, linked where possible)."""
from __future__ import annotations

from aiogram.types import Chat, Message, User

from bot.render import escape

MAX_NAME = 64


def clip(text: str, limit: int = MAX_NAME) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def user_link(user_id: int, name: str | None) -> str:
    """<a href="tg://user?id=…">Name</a>; the name escaped and clipped."""
    shown = escape(clip(name or str(user_id)))
    return f'<a href="tg://user?id={int(user_id)}">{shown}</a>'


def user_html(user: User) -> str:
    return user_link(user.id, user.full_name)


def chat_html(chat: Chat) -> str:
    title = chat.title or chat.full_name or str(chat.id)
    if chat.username:
        return f'<a href="https://t.me/{escape(chat.username)}">{escape(clip(title))}</a>'
    return escape(clip(title))


def sender_html(message: Message) -> str:
    """Whoever wrote the message: a person, or the chat/channel they wrote as."""
    if message.sender_chat is not None:
        return chat_html(message.sender_chat)
    if message.from_user is not None:
        return user_html(message.from_user)
    return "?"


def excerpt(message: Message | None, limit: int = 200) -> str:
    """A short escaped quote of the message text/caption ("" if none)."""
    if message is None:
        return ""
    text = (message.text or message.caption or "").strip().replace("\n", " ")
    return escape(clip(text, limit)) if text else ""
