"""Messages older than a few minutes (a backlog after downtime) are not answered."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import Message

log = logging.getLogger(__name__)


class SkipStaleMessages(BaseMiddleware):
    """Drop chat messages older than `max_age` seconds; other updates (channel posts,
    member changes, button presses) are still processed, so nothing is lost on restart.
    `clock` is the adapter's (bot/clock.py: `services.clock.now`)."""

    def __init__(self, max_age: float, clock: Callable[[], float]):
        self.max_age, self.clock = max_age, clock

    async def __call__(self, handler: Callable[[Message, dict], Awaitable[Any]],
                       event: Message, data: dict[str, Any]) -> Any:
        age = self.clock() - event.date.timestamp()
        if age > self.max_age:
            log.info("skipping message %s in %s: %d s old", event.message_id, event.chat.id, age)
            return None
        return await handler(event, data)
