"""Text messages: send, edit, delete, copy, forward, pin."""
from __future__ import annotations

from aiogram.types import MessageId, MessageOriginChannel, MessageOriginUser

from ..errors import NOT_MODIFIED, bad_request
from .common import common_fields, formatted, link_preview, markup, target
from .registry import api

COPYABLE = ("text", "entities", "photo", "document", "caption", "caption_entities", "poll",
            "video", "audio", "voice", "sticker", "animation", "location", "contact")


@api("sendMessage")
def send_message(emu, p):
    rec = target(emu, p)
    text, entities, source = formatted(p, "text", "entities", 4096, "message text is empty")
    inline, raw_markup = markup(p)
    return emu._new_message(
        rec.chat.id, by_bot=True, source_text=source, parse_mode=p.get("parse_mode"),
        markup=raw_markup, text=text, entities=entities, reply_markup=inline,
        link_preview_options=link_preview(p), **common_fields(emu, rec, p)).message


def _editable(emu, p, not_found: str):
    if p.get("inline_message_id"):
        return None
    rec = target(emu, p, send=False)
    msg = emu._message(rec.chat.id, p.int("message_id") or 0)
    if msg is None:
        raise bad_request(not_found)
    channel_edit = rec.type == "channel" and emu._bot_can(rec.chat.id, "can_edit_messages")
    if not msg.by_bot and not channel_edit:
        raise bad_request("message can't be edited")
    return msg


def _now(emu):
    return emu._now()


@api("editMessageText")
def edit_message_text(emu, p):
    msg = _editable(emu, p, "message to edit not found")
    text, entities, source = formatted(p, "text", "entities", 4096, "message text is empty")
    inline, raw_markup = markup(p)
    if msg is None:
        return True
    m = msg.message
    if m.text is None:
        raise bad_request("there is no text in the message to edit")
    if (m.text, m.entities, m.reply_markup) == (text, entities, inline):
        raise bad_request(NOT_MODIFIED)
    msg.source_text, msg.parse_mode, msg.markup = source, p.get("parse_mode"), raw_markup
    return emu._update_message(msg, text=text, entities=entities, reply_markup=inline,
                               edit_date=_now(emu), link_preview_options=link_preview(p))


@api("editMessageCaption")
def edit_message_caption(emu, p):
    msg = _editable(emu, p, "message to edit not found")
    caption, entities, source = formatted(p, "caption", "caption_entities", 1024, None)
    inline, raw_markup = markup(p)
    if msg is None:
        return True
    m = msg.message
    if m.text is not None:
        raise bad_request("there is no caption in the message to edit")
    if (m.caption, m.caption_entities, m.reply_markup) == (caption, entities, inline):
        raise bad_request(NOT_MODIFIED)
    msg.source_text, msg.markup = source, raw_markup
    return emu._update_message(msg, caption=caption, caption_entities=entities, reply_markup=inline,
                               edit_date=_now(emu))


@api("editMessageReplyMarkup")
def edit_message_reply_markup(emu, p):
    msg = _editable(emu, p, "message to edit not found")
    inline, raw_markup = markup(p)
    if msg is None:
        return True
    if msg.message.reply_markup == inline:
        raise bad_request(NOT_MODIFIED)
    msg.markup = raw_markup
    return emu._update_message(msg, reply_markup=inline, edit_date=_now(emu))


def _delete(emu, rec, message_id: int, strict: bool) -> bool:
    msg = emu._message(rec.chat.id, message_id)
    if msg is None:
        if strict:
            raise bad_request("message to delete not found")
        return False
    admin = emu._bot_can(rec.chat.id, "can_delete_messages")
    old = emu._now() - int(msg.message.date.timestamp()) > 48 * 3600
    if rec.type == "private":
        allowed = not old
    elif rec.type == "channel":
        allowed = admin or (msg.by_bot and emu._bot_can(rec.chat.id, "can_post_messages"))
    else:
        allowed = admin or (msg.by_bot and not old)
    if not allowed:
        if strict:
            raise bad_request("message can't be deleted" if not old else "message can't be deleted for everyone")
        return False
    msg.deleted = True
    if msg.by_bot:
        emu.sent_signal.fire()
    return True


@api("deleteMessage")
def delete_message(emu, p):
    rec = target(emu, p, send=False)
    return _delete(emu, rec, p.int("message_id") or 0, strict=True)


@api("deleteMessages")
def delete_messages(emu, p):
    rec = target(emu, p, send=False)
    ids = p.req("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a list of 1-100 identifiers")
    for message_id in ids:
        _delete(emu, rec, int(message_id), strict=False)
    return True


def _source(emu, p, what: str):
    src_chat = emu._api_chat(p.req("from_chat_id"))
    src = emu._message(src_chat.chat.id, p.int("message_id") or 0)
    if src is None:
        raise bad_request(f"message to {what} not found")
    if src.message.has_protected_content or not any(getattr(src.message, f) is not None for f in COPYABLE):
        raise bad_request(f"message can't be {'copied' if what == 'copy' else 'forwarded'}")
    return src_chat, src


def _content(message, **override) -> dict:
    out = {f: getattr(message, f) for f in COPYABLE if getattr(message, f) is not None}
    out.update({k: v for k, v in override.items() if v is not None})
    return out


@api("copyMessage")
def copy_message(emu, p):
    rec = target(emu, p)
    _, src = _source(emu, p, "copy")
    caption, entities, source = formatted(p, "caption", "caption_entities", 1024, None)
    inline, raw_markup = markup(p)
    content = _content(src.message, caption=caption, caption_entities=entities)
    new = emu._new_message(rec.chat.id, by_bot=True, source_text=source or src.message.text,
                           markup=raw_markup, reply_markup=inline, **content,
                           **common_fields(emu, rec, p))
    return MessageId(message_id=new.message.message_id)


@api("forwardMessage")
def forward_message(emu, p):
    rec = target(emu, p)
    src_chat, src = _source(emu, p, "forward")
    m = src.message
    if src_chat.type == "channel":
        origin = MessageOriginChannel(chat=src_chat.chat, message_id=m.message_id, date=m.date)
    else:
        origin = MessageOriginUser(sender_user=m.from_user, date=m.date)
    return emu._new_message(rec.chat.id, by_bot=True, forward_origin=origin, **_content(m),
                            **common_fields(emu, rec, p)).message


def _pin_rights(emu, rec):
    right = "can_edit_messages" if rec.type == "channel" else "can_pin_messages"
    if rec.type != "private" and not emu._bot_can(rec.chat.id, right):
        raise bad_request("not enough rights to manage pinned messages in the chat")


@api("pinChatMessage")
def pin_chat_message(emu, p):
    rec = target(emu, p, send=False)
    _pin_rights(emu, rec)
    message_id = p.int("message_id") or 0
    if emu._message(rec.chat.id, message_id) is None:
        raise bad_request("message to pin not found")
    if message_id in rec.pinned:
        rec.pinned.remove(message_id)
    rec.pinned.append(message_id)
    return True


@api("unpinChatMessage")
def unpin_chat_message(emu, p):
    rec = target(emu, p, send=False)
    _pin_rights(emu, rec)
    message_id = p.int("message_id") or (rec.pinned[-1] if rec.pinned else None)
    if message_id not in rec.pinned:
        raise bad_request("message to unpin not found")
    rec.pinned.remove(message_id)
    return True


@api("unpinAllChatMessages")
def unpin_all(emu, p):
    rec = target(emu, p, send=False)
    _pin_rights(emu, rec)
    rec.pinned.clear()
    return True


@api("sendChatAction")
def send_chat_action(emu, p):
    target(emu, p)
    p.req("action")
    return True
