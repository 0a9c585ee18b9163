"""The moderation feature: routers, middlewares and their long-lived objects.

- votekick.py: /votekick, the vote buttons, the sweeper closing expired votes
- admin.py: /ban /unban /kick /mute /unmute /warn /unwarn /warns /del /setrules
- reports.py: /report and "@admin"
- members.py: admin cache from chat_member updates, joins, message counting (+ flood.py)
- audit.py: the log chat with Undo buttons
- targets.py, names.py, core.py: resolving targets, safe names, shared steps
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher, F

from bot.services import Services

from . import admin, audit, members, reports, votekick
from .core import KIT, Moderation

log = logging.getLogger(__name__)


def setup(dp: Dispatcher, services: Services) -> None:
    """Include this feature's routers and inject what its handlers need."""
    kit = Moderation.create(services)
    services.extras[KIT] = kit
    chat_id = services.settings.chat_id
    services.extras["rules_provider"] = lambda s: kit.store.rules(chat_id) if chat_id is not None else None
    in_chat = F.chat.id == chat_id if chat_id is not None else F.chat.type.in_({"group", "supergroup"})
    dp.message.outer_middleware(members.ActivityCounter(kit))
    dp.include_routers(
        members.build_router(),
        votekick.build_router(in_chat),
        admin.build_router(in_chat),
        reports.build_router(in_chat),
        audit.build_router(),
    )
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)


async def on_startup(bot: Bot, services: Services) -> None:
    kit: Moderation = services.extras[KIT]
    await members.refresh_admins(bot, kit)
    try:
        await votekick.sweep(bot, services)  # votes that ran out while we were down
    except Exception:  # noqa: BLE001 - never block startup
        log.exception("startup sweep failed")
    kit.sweeper = asyncio.create_task(votekick.sweeper(bot, services), name="votekick-sweeper")


async def on_shutdown(services: Services) -> None:
    kit: Moderation = services.extras[KIT]
    task, kit.sweeper = kit.sweeper, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
