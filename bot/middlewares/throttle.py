"""Per-person budgets: so many commands answered, button presses acted on and inline searches
run per window; past that a person is told once and then ignored until the window has passed.
Under abuse the group's send budget (~20 messages a minute) stays for everyone else and for
moderation, and the searches' CPU for other people."""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineQuery, InlineQueryResultsButton, Message

from bot.middlewares.outgoing import cheap_sends
from bot.render_durations import humanize

log = logging.getLogger(__name__)
MAX_TRACKED = 10_000


@dataclass
class Allowance:
    used: deque[float] = field(default_factory=deque)  # when the acts in the window came
    quiet_until: float = float("-inf")  # told to slow down: ignored until then


class Allowances:
    """How often each key (a chat and a person, or a person) acted in the last `window`
    seconds. `spend` says "ok" (go on), "over" (this act went past the limit: say so once,
    then the key is ignored for a window) or "quiet" (still ignored)."""

    def __init__(self, window: float):
        self.window = window
        self.people: dict[tuple, Allowance] = {}

    def spend(self, key: tuple, limit: int, now: float) -> str:
        allowance = self.people.setdefault(key, Allowance())
        if now < allowance.quiet_until:
            return "quiet"
        while allowance.used and now - allowance.used[0] >= self.window:
            allowance.used.popleft()
        if len(allowance.used) >= limit:
            allowance.used.clear()
            allowance.quiet_until = now + self.window
            return "over"
        allowance.used.append(now)
        self.forget_idle(now)
        return "ok"

    def forget_idle(self, now: float) -> None:
        if len(self.people) > MAX_TRACKED:
            self.people = {key: a for key, a in self.people.items()
                           if now < a.quiet_until or (a.used and now - a.used[-1] < self.window)}


def is_command(message: Message) -> bool:
    return (message.text or message.caption or "").startswith("/")


def slow_down(key: str, window: float, data: dict[str, Any]) -> str:
    """The notice, in the person's language: "... again in 1 minute"."""
    return data["t"](key, term=humanize(round(window), data.get("lang", "ru"), accusative=True))


class CommandBudget(BaseMiddleware):
    """Inner middleware on messages (it sees only messages a handler takes): at most `limit`
    commands per person per chat in `window` seconds, `private_limit` in a private chat
    (0: no limit). Admins of the community chat (`is_admin(user_id)`) and anonymous admins
    are exempt. `clock` is the adapter's (services.clock.now)."""

    def __init__(self, limit: int, private_limit: int, window: float, clock: Callable[[], float],
                 is_admin: Callable[[int], bool] = lambda user_id: False):
        self.limit, self.private_limit = limit, private_limit
        self.clock, self.is_admin = clock, is_admin
        self.allowances = Allowances(window)

    def limit_for(self, message: Message) -> int:
        return self.private_limit if message.chat.type == "private" else self.limit

    def exempt(self, message: Message) -> bool:
        if message.sender_chat is not None:
            return message.sender_chat.id == message.chat.id  # an anonymous admin
        return message.from_user is None or self.is_admin(message.from_user.id)

    async def __call__(self, handler: Callable[[Message, dict], Awaitable[Any]], event: Message,
                       data: dict[str, Any]) -> Any:
        limit = self.limit_for(event)
        if limit <= 0 or not is_command(event) or self.exempt(event):
            return await handler(event, data)
        sender = event.sender_chat.id if event.sender_chat else event.from_user.id
        verdict = self.allowances.spend((event.chat.id, sender), limit, self.clock())
        if verdict == "ok":
            return await handler(event, data)
        if verdict == "over":
            await self.tell(event, data)
        return None

    async def tell(self, message: Message, data: dict[str, Any]) -> None:
        """The one notice a throttled person gets, as a cheap send."""
        try:
            with cheap_sends():
                await message.reply(slow_down("budget_slow_down", self.allowances.window, data),
                                    allow_sending_without_reply=True)
        except TelegramAPIError as exc:
            log.warning("could not tell %s to slow down: %s", message.chat.id, exc)


class PressBudget(BaseMiddleware):
    """Inner middleware on button presses: at most `limit` per person in `window` seconds
    (0: no limit); community admins are exempt (their moderation buttons). Past it the press
    is answered, so the button stops spinning, but not acted on: the first time with a
    notice, then silently. Each page turn is an edit a group's send budget pays for."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float],
                 is_admin: Callable[[int], bool] = lambda user_id: False):
        self.limit, self.clock, self.is_admin = limit, clock, is_admin
        self.allowances = Allowances(window)

    async def __call__(self, handler: Callable[[CallbackQuery, dict], Awaitable[Any]], event: CallbackQuery,
                       data: dict[str, Any]) -> Any:
        if self.limit <= 0 or self.is_admin(event.from_user.id):
            return await handler(event, data)
        verdict = self.allowances.spend((event.from_user.id,), self.limit, self.clock())
        if verdict == "ok":
            return await handler(event, data)
        text = slow_down("budget_presses", self.allowances.window, data) if verdict == "over" else None
        try:
            await event.answer(text)
        except TelegramAPIError as exc:
            log.warning("could not answer a throttled press of %s: %s", event.from_user.id, exc)
        return None


class InlineBudget(BaseMiddleware):
    """Inner middleware on inline queries: at most `limit` searches per person in `window`
    seconds (0: no limit; a client sends one every pause in typing). Past it the query gets
    no results and a button saying why, instead of a search."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]):
        self.limit, self.clock = limit, clock
        self.allowances = Allowances(window)

    async def __call__(self, handler: Callable[[InlineQuery, dict], Awaitable[Any]], event: InlineQuery,
                       data: dict[str, Any]) -> Any:
        if self.limit <= 0 or self.allowances.spend((event.from_user.id,), self.limit, self.clock()) == "ok":
            return await handler(event, data)
        button = InlineQueryResultsButton(text=slow_down("budget_inline", self.allowances.window, data)[:64],
                                          start_parameter="search")
        try:
            await event.answer([], cache_time=5, is_personal=True, button=button)
        except TelegramAPIError as exc:
            log.warning("could not answer a throttled inline query of %s: %s", event.from_user.id, exc)
        return None
