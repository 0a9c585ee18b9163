"""The moderation feature: routers, middlewares and their long-lived objects.

- context.py: ChatModeration, the feature's objects, given to handlers as `moderation`
- votekick.py: /votekick, the vote buttons, the sweeper closing expired votes
- admin.py: /ban /unban /kick /mute /unmute /warn /unwarn /warns /del /setrules
- reports.py: /report and "@admin"
- elsewhere.py: these commands sent outside the community chat get told where they work
- members.py: admin cache from chat_member updates, joins, message counting (+ flood.py)
- audit.py: the log chat with Undo buttons
- actors.py, targets.py: who acts and whom a command is about; names.py: safe names
- punishments.py: the Bot API calls that ban, mute and kick; answers.py: replies, refusals
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher, F

from . import admin, audit, elsewhere, members, reports, votekick
from .context import ChatModeration

log = logging.getLogger(__name__)


def setup(dp: Dispatcher, moderation: ChatModeration) -> None:
    """Include this feature's routers and middleware. Handlers get `moderation` from the dispatcher
    (build_dispatcher passes the same object as its `moderation` value)."""
    chat_id = moderation.chat_id
    in_chat = F.chat.id == chat_id if chat_id is not None else F.chat.type.in_({"group", "supergroup"})
    dp.message.outer_middleware(members.ActivityCounter(moderation))
    dp.include_routers(
        members.build_router(),
        votekick.build_router(in_chat),
        admin.build_router(in_chat),
        reports.build_router(in_chat),
        audit.build_router(),
        elsewhere.build_router(in_chat),
    )
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)


async def on_startup(bot: Bot, moderation: ChatModeration) -> None:
    await members.refresh_admins(bot, moderation)
    try:
        await votekick.sweep(bot, moderation)  # votes that ran out while we were down
    except Exception:  # noqa: BLE001 - never block startup
        log.exception("startup sweep failed")
    moderation.sweeper = asyncio.create_task(votekick.sweeper(bot, moderation), name="votekick-sweeper")


async def on_shutdown(moderation: ChatModeration) -> None:
    task, moderation.sweeper = moderation.sweeper, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
