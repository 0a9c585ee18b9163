"""Callback and inline answers, bot commands."""
from __future__ import annotations

import json
import re

from aiogram.types import BotCommand
from aiogram.types.inline_query_result_union import InlineQueryResultUnion
from pydantic import TypeAdapter, ValidationError

from ..errors import bad_request
from ..state import CallbackAnswer, InlineAnswer
from .registry import api

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_results = TypeAdapter(InlineQueryResultUnion)


@api("answerCallbackQuery")
def answer_callback_query(emu, p):
    qid = str(p.req("callback_query_id"))
    if qid not in emu.callback_queries or qid in emu.callback_answers:
        raise bad_request(QUERY_INVALID)
    text = p.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    emu.callback_answers[qid] = CallbackAnswer(text=text, show_alert=p.flag("show_alert"),
                                               url=p.get("url"), cache_time=p.int("cache_time"))
    return True


@api("answerInlineQuery")
def answer_inline_query(emu, p):
    qid = str(p.req("inline_query_id"))
    if qid not in emu.inline_queries or qid in emu.inline_answers:
        raise bad_request(QUERY_INVALID)
    raw = p.get("results") or []
    if len(raw) > 50:
        raise bad_request("RESULTS_TOO_MUCH")
    ids = [r.get("id") for r in raw]
    if len(set(ids)) != len(ids):
        raise bad_request("RESULT_ID_DUPLICATE")
    if any(not i or len(str(i).encode()) > 64 for i in ids):
        raise bad_request("RESULT_ID_INVALID")
    next_offset = p.get("next_offset")
    if next_offset is not None and len(str(next_offset).encode()) > 64:
        raise bad_request("NEXT_OFFSET_INVALID")
    results = []
    for r in raw:
        try:
            results.append(_results.validate_python(r))
        except ValidationError:
            results.append(r)
    emu.inline_answers[qid] = InlineAnswer(
        results=results, next_offset=None if next_offset is None else str(next_offset),
        cache_time=p.int("cache_time"), is_personal=p.flag("is_personal"), button=p.get("button"))
    return True


def commands_key(scope, language_code) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


@api("setMyCommands")
def set_my_commands(emu, p):
    raw = p.get("commands")
    if not isinstance(raw, list) or len(raw) > 100:
        raise bad_request("commands must be a list of at most 100 commands")
    commands = []
    for c in raw:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(c.get("description") or "") <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append(BotCommand(command=c["command"], description=c["description"]))
    emu.bot_commands[commands_key(p.get("scope"), p.get("language_code"))] = commands
    return True


@api("getMyCommands")
def get_my_commands(emu, p):
    return emu.bot_commands.get(commands_key(p.get("scope"), p.get("language_code")), [])


@api("deleteMyCommands")
def delete_my_commands(emu, p):
    emu.bot_commands.pop(commands_key(p.get("scope"), p.get("language_code")), None)
    return True
