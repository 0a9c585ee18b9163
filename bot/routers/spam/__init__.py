"""The newcomer anti-spam (moderation/spam is the policy; this is its Telegram side).

- guard.py: SpamGuard, the feature's objects, given to handlers as `spam`; what a message tells the check
- screen.py: the check in the message flow (first outer middleware) and what a verdict leads to
- decide.py: «Это не спам» / «Бан» under a report in the log chat
- teach.py: /spam as a reply
- reports.py: the reports' table; render.py: their words and buttons
"""
from __future__ import annotations

from aiogram import Dispatcher, F

from ..moderation import ChatModeration
from . import decide, teach
from .guard import SpamGuard
from .reports import report_migrations
from .screen import SpamCheck

__all__ = ["SpamGuard", "report_migrations", "setup"]


def setup(dp: Dispatcher, guard: SpamGuard, moderation: ChatModeration) -> None:
    """Call before any other message middleware is registered: the check must come first.
    Handlers get `spam` from the dispatcher (build_dispatcher passes `guard` as its `spam` value)."""
    check = SpamCheck(guard, moderation)
    dp.message.outer_middleware(check)
    dp.edited_message.outer_middleware(check)
    chat_id = moderation.chat_id
    in_chat = F.chat.id == chat_id if chat_id is not None else F.chat.type.in_({"group", "supergroup"})
    dp.include_routers(teach.build_router(in_chat), decide.build_router())
    moderation.undo_hooks.append(guard.undone)
    dp.startup.register(guard.start)
