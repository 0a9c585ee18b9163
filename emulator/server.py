"""The aiohttp app: /bot<token>/<method>, /file/bot<token>/<path>, and /control/* routes."""
from __future__ import annotations

import inspect
import logging

from aiohttp import web
from pydantic import ValidationError

from .appkeys import EMULATOR
from .control import routes as control_routes
from .errors import ApiError, EmulatorError
from .methods import HANDLERS
from .models import dump
from .params import Params, Upload, read_params

log = logging.getLogger(__name__)


def _reply(body: dict, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _loggable(params: dict) -> dict:
    return {k: (f"<upload {v.filename}>" if isinstance(v, Upload) else v) for k, v in params.items()}


async def execute(emu, method: str, params: Params):
    """Run one Bot API call as Telegram would: log, faults, flood limits, then the handler."""
    name, handler = HANDLERS.get(method.lower(), (method, None))
    params.method = name
    emu.call_log.append((name, _loggable(params)))
    emu.calls_signal.fire()
    if handler is None:
        raise ApiError(404, "Not Found")
    fault = emu.faults.take(name, params)
    if fault is not None and not fault.drop:
        raise fault.error()
    chat = emu._find_chat(params.get("chat_id")) if params.get("chat_id") is not None else None
    emu.limiter.check(name, chat.chat.id if chat else None,
                      chat is not None and chat.type in ("group", "supergroup"))
    try:
        result = handler(emu, params)
        if inspect.isawaitable(result):
            result = await result
    except (EmulatorError, ValidationError) as e:
        raise ApiError(400, f"Bad Request: {e}") from e
    except ApiError:
        raise
    except Exception as e:  # an emulator bug: answer like Telegram would, keep the traceback
        log.exception("emulator failed on %s", name)
        raise ApiError(500, f"Internal Server Error: {type(e).__name__}: {e}") from e
    return result, fault


async def handle_api(request: web.Request) -> web.StreamResponse:
    emu = request.app[EMULATOR]
    if request.match_info["token"] != emu.token:
        return _reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
    method = request.match_info["method"]
    try:
        params = await read_params(request, method)
        result, fault = await execute(emu, method, params)
    except ApiError as e:
        return _reply(e.envelope(), e.status)
    if fault is not None and fault.drop:  # the call took effect, the answer is lost
        if request.transport is not None:
            request.transport.abort()
        raise web.HTTPServiceUnavailable()
    return _reply({"ok": True, "result": dump(result)})


async def handle_file(request: web.Request) -> web.StreamResponse:
    emu = request.app[EMULATOR]
    if request.match_info["token"] != emu.token:
        return _reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
    path = request.match_info["path"]
    rec = next((f for f in emu.files.values() if f.file_path == path), None)
    if rec is None:
        return _reply({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
    return web.Response(body=rec.data, content_type=rec.mime_type or "application/octet-stream")


def make_app(emu) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[EMULATOR] = emu
    app.router.add_route("*", "/bot{token}/{method}", handle_api)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    app.router.add_routes(control_routes)
    return app
