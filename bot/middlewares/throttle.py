"""A per-user throttle for expensive commands."""
from __future__ import annotations

import math
import time
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import Message


class Throttle(BaseMiddleware):
    """At most one call per `seconds` per user; extra calls get a short 'slow down'."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self.last: dict[int, float] = {}

    async def __call__(self, handler: Callable[[Message, dict], Awaitable[Any]],
                       event: Message, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None or self.seconds <= 0:
            return await handler(event, data)
        now = self.clock()
        wait = self.last.get(user.id, -math.inf) + self.seconds - now
        if wait > 0:
            await event.reply(data["t"]("slow_down", seconds=math.ceil(wait)))
            return None
        self.last[user.id] = now
        if len(self.last) > 10_000:
            self.last = {u: ts for u, ts in self.last.items() if now - ts < self.seconds}
        return await handler(event, data)
