"""Decoding a Bot API request (query, urlencoded, multipart or JSON) into plain typed values."""
from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass

import aiogram.methods as _methods
from aiogram.client.default import Default
from aiohttp import web

from .errors import bad_request

# api name (lowercase) -> aiogram method class, used to know which fields are plain strings
METHOD_MODELS = {
    cls.__api_method__.lower(): cls
    for name in _methods.__all__
    if isinstance(cls := getattr(_methods, name), type)
    and isinstance(getattr(cls, "__api_method__", None), str)
}


@dataclass
class Upload:
    filename: str | None
    data: bytes
    content_type: str | None


def _is_plain_str(annotation) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a not in (type(None), Default)]
        return rest == [str]
    return False


def _decode(value, model, field: str):
    """Form values are strings; non-string fields carry JSON (numbers, bools, objects)."""
    if not isinstance(value, str):
        return value
    info = model.model_fields.get(field) if model else None
    if info is not None and _is_plain_str(info.annotation):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class Params(dict):
    """Request parameters with Telegram-style validation helpers."""

    uploads: dict[str, Upload] = {}  # read-only default; read_params sets a fresh dict
    method: str = ""

    def req(self, name: str, message: str | None = None):
        value = self.get(name)
        if value is None or value == "":
            raise bad_request(message or f"{name} is empty")
        return value

    def int(self, name: str, default=None):
        value = self.get(name, default)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        return self.get(name) in (True, "true", "True", 1, "1")

    def file(self, value):
        """Resolve "attach://name" to its multipart Upload; other values are returned as given."""
        if isinstance(value, str) and value.startswith("attach://"):
            up = self.uploads.get(value[len("attach://"):])
            if up is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return up
        return value


async def read_params(request: web.Request, method: str) -> Params:
    model = METHOD_MODELS.get(method.lower())
    raw: dict = dict(request.query)
    uploads: dict[str, Upload] = {}
    ctype = request.content_type
    if ctype == "application/json":
        body = await request.json() if request.can_read_body else {}
        raw.update(body or {})
    elif ctype.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.filename is not None:
                uploads[part.name] = Upload(part.filename, bytes(await part.read()),
                                            part.headers.get("Content-Type"))
            else:
                raw[part.name] = await part.text()
    elif request.can_read_body:
        raw.update(await request.post())
    params = Params({k: _decode(v, model, k) for k, v in raw.items()})
    for k, up in list(uploads.items()):  # a bare file field (not via attach://) is the value itself
        if model is not None and k in model.model_fields and k not in params:
            params[k] = up
    params.uploads = uploads
    return params
