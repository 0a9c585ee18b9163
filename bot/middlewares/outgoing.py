"""Outgoing Bot API calls: honour 429 retry_after, retry 5xx/network errors, keep to send limits,
and let moderation replies go ahead of cheap answers when a group's send budget runs low.

A send is cheap when it is made while handling an update outside the moderation routers
(search, rules, help, papers...) or inside `cheap_sends()`; everything else (moderation
handlers, flood mutes, jobs) is urgent. Cheap sends never take the last `reserve` places of a
group's per-minute budget, so an admin's /warn is answered at once while /rules answers queue.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Iterable, Iterator

from aiogram import BaseMiddleware, Router
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import (
    TelegramEntityTooLarge, TelegramNetworkError, TelegramRetryAfter, TelegramServerError,
)
from aiogram.methods import GetUpdates

log = logging.getLogger(__name__)

# Methods that put a message into a chat count against Telegram's send limits.
SENDING = {
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendPoll", "sendVideo",
    "sendAnimation", "sendAudio", "sendVoice", "sendSticker", "copyMessage", "forwardMessage",
}


CHEAP_SENDS: ContextVar[bool] = ContextVar("keeper_cheap_sends", default=False)


@contextlib.contextmanager
def cheap_sends() -> Iterator[None]:
    """Sends made inside are cheap answers: they queue behind moderation replies."""
    token = CHEAP_SENDS.set(True)
    try:
        yield
    finally:
        CHEAP_SENDS.reset(token)


class SendPriority(BaseMiddleware):
    """Inner middleware: handlers outside the `urgent` routers (and their sub-routers) send cheaply."""

    def __init__(self, urgent: Iterable[Router]):
        self.urgent = {router for root in urgent for router in root.chain_tail}

    async def __call__(self, handler: Callable[[Any, dict], Awaitable[Any]], event: Any,
                       data: dict[str, Any]) -> Any:
        if data.get("event_router") in self.urgent:
            return await handler(event, data)
        with cheap_sends():
            return await handler(event, data)


class SlidingWindow:
    """At most `limit` events per `period` seconds."""

    def __init__(self, limit: int, period: float):
        self.limit, self.period = limit, period
        self.events: deque[float] = deque()

    def wait_time(self, now: float, limit: int | None = None) -> float:
        """How long until one more event fits under `limit` (the window's own by default)."""
        limit = self.limit if limit is None else limit
        while self.events and now - self.events[0] >= self.period:
            self.events.popleft()
        if len(self.events) < limit:
            return 0.0
        return self.period - (now - self.events[len(self.events) - limit])


class SendLimiter:
    """About 30 messages/s overall and about 20 messages/min into one group, of which cheap
    sends may use all but `reserve`: the rest waits for moderation replies."""

    def __init__(self, per_second: int = 30, per_group_minute: int = 20, reserve: int = 0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.overall = SlidingWindow(per_second, 1.0)
        self.per_group_minute = per_group_minute
        self.cheap_limit = max(1, per_group_minute - reserve)
        self.groups: dict[int, SlidingWindow] = {}
        self.clock, self.sleep = clock, sleep
        self.lock = asyncio.Lock()

    async def acquire(self, chat_id: int | None, cheap: bool = False) -> None:
        group = None
        if isinstance(chat_id, int) and chat_id < 0:
            group = self.groups.setdefault(chat_id, SlidingWindow(self.per_group_minute, 60.0))
        windows = [self.overall] + ([group] if group else [])
        while True:
            async with self.lock:  # decide and reserve under the lock, but never sleep in it
                now = self.clock()
                delay = self.overall.wait_time(now)
                if group is not None:
                    delay = max(delay, group.wait_time(now, self.cheap_limit if cheap else None))
                if delay <= 0:
                    for window in windows:
                        window.events.append(now)
                    return
            await self.sleep(delay)


def keep_term(method, waited: float) -> None:
    """A ban or mute retried later keeps its length: Telegram counts until_date from arrival,
    and under 30 s left would make it permanent."""
    until = getattr(method, "until_date", None)
    if isinstance(until, int) and until > 0:
        method.until_date = until + math.ceil(waited)


class ResilientRequests(BaseRequestMiddleware):
    """Retries what Telegram asks us to retry, and paces sends below its limits."""

    def __init__(self, limiter: SendLimiter | None = None, max_attempts: int = 5,
                 base_delay: float = 0.5, max_retry_after: float = 60.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.limiter = limiter
        self.max_attempts, self.base_delay = max_attempts, base_delay
        self.max_retry_after = max_retry_after
        self.sleep = sleep

    async def __call__(self, make_request, bot, method):
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        name = method.__api_method__
        for attempt in range(1, self.max_attempts + 1):
            if self.limiter and name in SENDING:
                await self.limiter.acquire(getattr(method, "chat_id", None), cheap=CHEAP_SENDS.get())
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.max_attempts or exc.retry_after > self.max_retry_after:
                    raise
                log.warning("%s: flood control, retrying in %s s", name, exc.retry_after)
                await self.sleep(exc.retry_after)
                keep_term(method, exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                # A send that timed out may have arrived: sending it again could post twice.
                lost_answer = isinstance(exc, TelegramNetworkError) and name in SENDING
                if attempt == self.max_attempts or lost_answer or isinstance(exc, TelegramEntityTooLarge):
                    raise
                delay = self.base_delay * 2 ** (attempt - 1)
                log.warning("%s: %s, retry %d in %.1f s", name, exc, attempt, delay)
                await self.sleep(delay)
                keep_term(method, delay)
        raise AssertionError("unreachable")
