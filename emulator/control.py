"""A thin JSON control API over the emulator's Python methods, for driving it from another process.

POST /control/<action> with a JSON object of keyword arguments, e.g.
  POST /control/send_message {"chat_id": -100..., "user_id": 1001, "text": "/start"}
GET  /control/sent?chat_id=..   /control/messages?chat_id=..   /control/calls?method=..
GET  /control/member?chat_id=..&user_id=..   /control/mark
POST /control/wait_for_sent {"chat_id":.., "text_contains":.., "since": {"sent": n, "calls": m}, "timeout": 5}
POST /control/faults {"method": "sendMessage", "status": 429, "retry_after": 1}   DELETE /control/faults
"""
from __future__ import annotations

import dataclasses

from aiohttp import web

from .appkeys import EMULATOR
from .models import dump
from .reading import Mark

ACTIONS = ("add_user", "add_channel", "add_group", "set_member", "set_bot_rights", "set_bot_status",
           "post_to_channel", "edit_channel_post", "send_message", "edit_message", "press_button",
           "inline_query", "join", "leave", "promote", "demote", "react", "block_bot", "enforce_limits")
routes = web.RouteTableDef()


def _ok(result) -> web.Response:
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    return web.json_response({"ok": True, "result": dump(result)})


def _fail(e: Exception, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "description": str(e)}, status=status)


def _int(request, name):
    value = request.query.get(name)
    return None if value is None else int(value)


@routes.post("/control/{action}")
async def act(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR]
    action = request.match_info["action"]
    body = await request.json() if request.can_read_body else {}
    try:
        if action == "faults":
            return _ok(emu.faults.add(**body))
        if action == "wait_for_sent":
            return _ok(await _wait(emu, body))
        if action not in ACTIONS:
            return _fail(KeyError(f"unknown action {action}"), 404)
        return _ok(getattr(emu, action)(**body))
    except (ValueError, TypeError, KeyError) as e:  # EmulatorError and pydantic errors included
        return _fail(e)
    except TimeoutError as e:
        return _fail(e, 408)


async def _wait(emu, body: dict):
    needle = body.pop("text_contains", None)
    since = body.pop("since", None)
    return await emu.wait_for_sent(
        predicate=(lambda m: needle in (m.text or m.caption or "")) if needle else None,
        since=Mark(**since) if isinstance(since, dict) else since, **body)


@routes.delete("/control/faults")
async def clear_faults(request: web.Request) -> web.Response:
    request.app[EMULATOR].faults.clear()
    return _ok(True)


@routes.get("/control/{what}")
async def read(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR]
    what = request.match_info["what"]
    chat_id = _int(request, "chat_id")
    try:
        if what == "sent":
            return _ok(emu.sent(chat_id))
        if what == "messages":
            return _ok(emu.messages(chat_id))
        if what == "calls":
            return _ok([{"method": m, "params": p} for m, p in emu.calls(request.query.get("method"))])
        if what == "member":
            return _ok(emu.member(chat_id, _int(request, "user_id")))
        if what == "mark":
            return _ok(emu.mark())
        if what == "callback_answers":
            return _ok({k: dataclasses.asdict(v) for k, v in emu.callback_answers.items()})
        if what == "inline_answers":
            return _ok({k: dataclasses.asdict(v) for k, v in emu.inline_answers.items()})
    except (ValueError, TypeError) as e:
        return _fail(e)
    return _fail(KeyError(f"unknown view {what}"), 404)
