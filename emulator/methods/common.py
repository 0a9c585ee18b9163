"""Helpers shared by the sending methods: text + parse_mode, markup, replies, common fields."""
from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, LinkPreviewOptions, MessageEntity
from pydantic import ValidationError

from ..entities import parse_html, utf16_len
from ..errors import bad_request
from ..models import build


def formatted(p, key: str, entities_key: str, limit: int, empty: str | None):
    """(text, entities, source) for `text`/`caption` honouring parse_mode; None if absent and allowed."""
    source = p.get(key)
    if source is None or source == "":
        if empty:
            raise bad_request(empty)
        return None, None, None
    source = str(source)
    mode = (p.get("parse_mode") or "").lower()
    if key == "caption" and p.get("caption_parse_mode"):
        mode = p["caption_parse_mode"].lower()
    if mode == "html":
        text, entities = parse_html(source)
    else:  # Markdown modes are stored verbatim (not parsed)
        text, entities = source, _entities(p.get(entities_key))
    if not text.strip() and empty:
        raise bad_request(empty)
    if utf16_len(text) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return text, entities or None, source


def _entities(raw) -> list[MessageEntity] | None:
    if not raw:
        return None
    try:
        return [MessageEntity.model_validate(e) for e in raw]
    except ValidationError:
        raise bad_request("can't parse entities: invalid entity") from None


def markup(p):
    """(inline keyboard for the Message, any markup as sent)."""
    raw = p.get("reply_markup")
    if not raw:
        return None, None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in raw:
        return None, raw
    try:
        kb = InlineKeyboardMarkup.model_validate(raw)
    except ValidationError:
        raise bad_request("can't parse inline keyboard button") from None
    for row in kb.inline_keyboard:
        for b in row:
            if b.callback_data is not None and not 1 <= len(b.callback_data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if not b.text:
                raise bad_request("text buttons are unallowed in the inline keyboard")
    return kb, kb


def reply_to(emu, chat_id: int, p):
    params = p.get("reply_parameters") or {}
    message_id = params.get("message_id") or p.int("reply_to_message_id")
    if not message_id:
        return None
    source_chat = params.get("chat_id", chat_id)
    rec_chat = emu._find_chat(source_chat)
    rec = emu._message(rec_chat.chat.id, int(message_id)) if rec_chat else None
    if rec is None:
        if params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return emu._as_reply(rec)


def common_fields(emu, rec, p) -> dict:
    """Sender fields for a message the bot posts into chat `rec`, plus reply/protection."""
    fields: dict = {"reply_to_message": reply_to(emu, rec.chat.id, p)}
    if rec.type == "channel":
        fields["sender_chat"] = rec.chat
    else:
        fields["from_user"] = emu.bot_user
    if p.flag("protect_content"):
        fields["has_protected_content"] = True
    return fields


def link_preview(p):
    raw = p.get("link_preview_options")
    if isinstance(raw, dict):
        return build(LinkPreviewOptions, **raw)
    if p.flag("disable_web_page_preview"):
        return build(LinkPreviewOptions, is_disabled=True)
    return None


def target(emu, p, *, send: bool = True):
    """Resolve chat_id with Telegram's errors; for sends also check the right to post."""
    rec = emu._api_chat(p.req("chat_id"))
    if send:
        emu._check_can_send(rec)
    return rec
