"""Channel posts are stored before Telegram forgets them; everything else runs alongside.

Polling confirms a batch of updates with its next getUpdates, and a bot cannot read a
channel's history later: a channel post still being handled when the process dies would
be lost. So the bot polls with `handle_as_tasks=False` (a batch is confirmed only after
its updates returned) and this middleware, the first of the bot's own, awaits channel
posts and edits (the archive ingest) while every other update goes on as a task of its
own, so a slow reply never holds up the next update. Errors in those tasks reach the
dispatcher's error handlers as they would inline.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Dispatcher
from aiogram.dispatcher.middlewares.error import ErrorsMiddleware
from aiogram.types import TelegramObject, Update


class DurableChannelPosts(BaseMiddleware):
    def __init__(self, dp: Dispatcher):
        self.errors = ErrorsMiddleware(dp)
        self.tasks: set[asyncio.Task] = set()

    async def __call__(self, handler: Callable[[TelegramObject, dict], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and (event.channel_post or event.edited_channel_post):
            return await handler(event, data)
        task = asyncio.create_task(self.errors(handler, event, data))
        self.tasks.add(task)  # held until done, so it is not collected midway
        task.add_done_callback(self.tasks.discard)
        return None
