"""Bot API method handlers, split by area; importing this package registers them all."""
from . import chats, core, interactive, media, messages  # noqa: F401  (registration)
from .registry import HANDLERS, api

__all__ = ["HANDLERS", "api"]
