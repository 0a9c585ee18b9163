"""Bot API method registry: lowercase name -> (canonical name, handler(emu, params))."""
from __future__ import annotations

from typing import Any, Callable

HANDLERS: dict[str, tuple[str, Callable[..., Any]]] = {}


def api(*names: str):
    def register(fn):
        for name in names:
            HANDLERS[name.lower()] = (name, fn)
        return fn
    return register
