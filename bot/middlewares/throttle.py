"""Per-person command budget: so many commands answered per window; past that a person is told
once and then ignored until the window has passed. Under abuse the group's send budget
(~20 messages a minute) stays for everyone else and for moderation."""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.middlewares.outgoing import cheap_sends
from bot.render_durations import humanize

log = logging.getLogger(__name__)
MAX_TRACKED = 10_000


@dataclass
class Allowance:
    used: deque[float] = field(default_factory=deque)  # when the commands in the window came
    quiet_until: float = float("-inf")  # told to slow down: ignored until then


def is_command(message: Message) -> bool:
    return (message.text or message.caption or "").startswith("/")


class CommandBudget(BaseMiddleware):
    """Inner middleware on messages (it sees only messages a handler takes): at most `limit`
    commands per person per chat in `window` seconds, `private_limit` in a private chat
    (0: no limit). Admins of the community chat (`is_admin(user_id)`) and anonymous admins
    are exempt. `clock` is the adapter's (services.clock.now)."""

    def __init__(self, limit: int, private_limit: int, window: float, clock: Callable[[], float],
                 is_admin: Callable[[int], bool] = lambda user_id: False):
        self.limit, self.private_limit, self.window = limit, private_limit, window
        self.clock, self.is_admin = clock, is_admin
        self.people: dict[tuple[int, int], Allowance] = {}

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
        now = self.clock()
        sender = event.sender_chat.id if event.sender_chat else event.from_user.id
        allowance = self.people.setdefault((event.chat.id, sender), Allowance())
        if now < allowance.quiet_until:
            return None
        while allowance.used and now - allowance.used[0] >= self.window:
            allowance.used.popleft()
        if len(allowance.used) >= limit:
            allowance.used.clear()
            allowance.quiet_until = now + self.window
            await self.tell(event, data)
            return None
        allowance.used.append(now)
        self.forget_idle(now)
        return await handler(event, data)

    async def tell(self, message: Message, data: dict[str, Any]) -> None:
        """The one notice a throttled person gets, as a cheap send."""
        term = humanize(round(self.window), data.get("lang", "ru"), accusative=True)
        try:
            with cheap_sends():
                await message.reply(data["t"]("budget_slow_down", term=term), allow_sending_without_reply=True)
        except TelegramAPIError as exc:
            log.warning("could not tell %s to slow down: %s", message.chat.id, exc)

    def forget_idle(self, now: float) -> None:
        if len(self.people) > MAX_TRACKED:
            self.people = {key: a for key, a in self.people.items()
                           if now < a.quiet_until or (a.used and now - a.used[-1] < self.window)}
