"""The moderation feature: routers, middlewares and their long-lived objects."""
from __future__ import annotations

from aiogram import Dispatcher

from bot.services import Services


def setup(dp: Dispatcher, services: Services) -> None:
    """Include this feature's routers and inject what its handlers need."""
