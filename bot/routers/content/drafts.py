"""Telegram messages to post content and back: what a writer sent, and sending it as it was written."""
from __future__ import annotations

import json

from aiogram import Bot
from aiogram.types import Message, MessageEntity

from content.posts import PostContent, PostKind


def _entities_json(entities: list[MessageEntity]) -> str:
    return json.dumps([e.model_dump(exclude_none=True, mode="json") for e in entities], ensure_ascii=False)


def content_of(message: Message) -> PostContent | None:
    """The text or caption, its entities and file of a message; None if it cannot be posted."""
    if message.photo:
        kind, file_id = PostKind.PHOTO, message.photo[-1].file_id
    elif message.document:
        kind, file_id = PostKind.DOCUMENT, message.document.file_id
    elif message.text:
        kind, file_id = PostKind.TEXT, None
    else:
        return None
    text = message.text if kind is PostKind.TEXT else (message.caption or "")
    raw = message.entities if kind is PostKind.TEXT else message.caption_entities
    return PostContent(kind, text, _entities_json(raw or []), file_id)


def content_after_command(message: Message) -> PostContent | None:
    """The post typed right after the command ("/post Text"), its formatting kept; None if nothing."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2 or not parts[1].strip():
        return None
    rest = parts[1]
    shift = len(text[:len(text) - len(rest)].encode("utf-16-le")) // 2
    kept = [e.model_copy(update={"offset": e.offset - shift}) for e in message.entities or [] if e.offset >= shift]
    return PostContent(PostKind.TEXT, rest, _entities_json(kept))


async def send_content(bot: Bot, chat_id: int, content: PostContent) -> Message:
    """Send a stored post as it was written: same text or caption, same entities."""
    entities = [MessageEntity.model_validate(e) for e in json.loads(content.entities)] or None
    text = content.text or None
    if content.kind is PostKind.PHOTO:
        return await bot.send_photo(chat_id, content.file_id, caption=text, caption_entities=entities,
                                    parse_mode=None)
    if content.kind is PostKind.DOCUMENT:
        return await bot.send_document(chat_id, content.file_id, caption=text, caption_entities=entities,
                                       parse_mode=None)
    return await bot.send_message(chat_id, content.text, entities=entities, parse_mode=None)
