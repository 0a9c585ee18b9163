"""Photos, documents, albums and polls."""
from __future__ import annotations

import itertools

from aiogram.types import Poll, PollOption

from ..errors import bad_request
from ..models import build
from ..params import Upload
from .common import common_fields, formatted, markup, target
from .registry import api

_album_ids = itertools.count(13_000_000_000_000_001)
_poll_ids = itertools.count(5_000_000_000_000_000_001)


def _file(emu, p, value, kind: str):
    """A multipart upload, a known file_id, or an http(s) URL (fetched as a placeholder)."""
    value = p.file(value)
    if isinstance(value, Upload):
        return emu._add_file(value.data, kind, value.filename, value.content_type)
    if isinstance(value, str) and value in emu.files:
        return emu.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        return emu._add_file(value.encode(), kind, name, None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _media_fields(emu, kind: str, file) -> dict:
    if kind == "photo":
        return {"photo": emu._photo_sizes(file)}
    return {"document": emu._document(file)}


def _send_media(emu, p, kind: str):
    rec = target(emu, p)
    file = _file(emu, p, p.req(kind, f"there is no {kind} in the request"), kind)
    caption, entities, source = formatted(p, "caption", "caption_entities", 1024, None)
    inline, raw_markup = markup(p)
    return emu._new_message(rec.chat.id, by_bot=True, source_text=source, parse_mode=p.get("parse_mode"),
                            markup=raw_markup, reply_markup=inline, caption=caption,
                            caption_entities=entities, **_media_fields(emu, kind, file),
                            **common_fields(emu, rec, p)).message


@api("sendPhoto")
def send_photo(emu, p):
    return _send_media(emu, p, "photo")


@api("sendDocument")
def send_document(emu, p):
    return _send_media(emu, p, "document")


@api("sendMediaGroup")
def send_media_group(emu, p):
    rec = target(emu, p)
    media = p.req("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the group: must be 2-10")
    group_id = str(next(_album_ids))
    prepared = []
    for item in media:  # validate everything before sending anything
        kind = "photo" if item.get("type") == "photo" else "document"
        file = _file(emu, p, item.get("media"), kind)
        caption, entities, source = formatted(item_params(p, item), "caption", "caption_entities", 1024, None)
        prepared.append((kind, file, caption, entities, source))
    fields = common_fields(emu, rec, p)
    return [emu._new_message(rec.chat.id, by_bot=True, source_text=source, media_group_id=group_id,
                             caption=caption, caption_entities=entities,
                             **_media_fields(emu, kind, file), **fields).message
            for kind, file, caption, entities, source in prepared]


def item_params(p, item: dict):
    """An InputMedia dict seen through the Params helpers."""
    sub = type(p)(item)
    sub.uploads = p.uploads
    return sub


@api("sendPoll")
def send_poll(emu, p):
    rec = target(emu, p)
    question = p.req("question", "poll question must be non-empty")
    raw = p.req("options", "poll must have at least 2 options")
    options = [o if isinstance(o, str) else o.get("text", "") for o in raw]
    if not 2 <= len(options) <= 12:
        raise bad_request("poll must have 2-12 options")
    poll = build(Poll, id=str(next(_poll_ids)), question=question, total_voter_count=0,
                 is_anonymous=p.get("is_anonymous", True) not in (False, "false"),
                 type=p.get("type") or "regular",
                 allows_multiple_answers=p.flag("allows_multiple_answers"),
                 options=[build(PollOption, persistent_id=str(i), text=t, voter_count=0)
                          for i, t in enumerate(options)])
    inline, raw_markup = markup(p)
    return emu._new_message(rec.chat.id, by_bot=True, poll=poll, reply_markup=inline, markup=raw_markup,
                            **common_fields(emu, rec, p)).message


@api("stopPoll")
def stop_poll(emu, p):
    rec = target(emu, p, send=False)
    msg = emu._message(rec.chat.id, p.int("message_id") or 0)
    if msg is None or msg.message.poll is None:
        raise bad_request("message with poll to stop not found")
    if msg.message.poll.is_closed:
        raise bad_request("poll has already been closed")
    poll = msg.message.poll.model_copy(update={"is_closed": True})
    emu._update_message(msg, poll=poll)
    return poll
