"""Live ingest: channel posts and their edits enter the archive; reactions are counted."""
from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import Message, MessageReactionCountUpdated

from archive.models import Entity, IncomingPost
from bot.services import Services

log = logging.getLogger(__name__)


def media_kind(message: Message) -> str | None:
    for kind in ("photo", "video", "document", "animation", "audio", "voice"):
        if getattr(message, kind, None):
            return kind
    return None


def origin_name(message: Message) -> str | None:
    origin = message.forward_origin
    if origin is None:
        return None
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    user = getattr(origin, "sender_user", None)
    return (chat.title if chat else None) or (user.full_name if user else None) or getattr(origin, "sender_user_name", None)


def unix(value) -> int | None:
    """Bot API dates arrive as datetime (date) or int (edit_date)."""
    if value is None:
        return None
    return int(value.timestamp()) if hasattr(value, "timestamp") else int(value)


def incoming_post(message: Message) -> IncomingPost:
    """A Bot API message as the archive's input; entities keep their UTF-16 offsets."""
    raw = message.entities if message.text is not None else message.caption_entities
    return IncomingPost(
        channel_id=message.chat.id,
        message_id=message.message_id,
        date=unix(message.date),
        text=message.text or message.caption or "",
        entities=[Entity.from_dict(e.model_dump(exclude_none=True)) for e in raw or []],
        edit_date=unix(message.edit_date),
        forwarded_from=origin_name(message),
        media_group_id=message.media_group_id,
        media=media_kind(message),
        source="live",
    )


def ours(message: Message, services: Services) -> bool:
    configured = services.settings.channel_id
    return configured is None or message.chat.id == configured


async def channel_post(message: Message, services: Services) -> None:
    if not ours(message, services):
        return
    result = await services.ingest(incoming_post(message))
    log.info("channel post %s: %s", message.message_id, result.status)


async def reactions(update: MessageReactionCountUpdated, services: Services) -> None:
    counts: dict[str, int] = {}
    for item in update.reactions:
        key = getattr(item.type, "emoji", None) or getattr(item.type, "custom_emoji_id", None) or "paid"
        counts[key] = counts.get(key, 0) + item.total_count
    services.archive.set_reactions(update.chat.id, update.message_id, counts)


def build_router() -> Router:
    router = Router(name=__name__)
    router.channel_post.register(channel_post)
    router.edited_channel_post.register(channel_post)
    router.message_reaction_count.register(reactions)
    return router
