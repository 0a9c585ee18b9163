"""The aiogram adapter. aiogram is imported lazily (see bot/lazy_types.py) before any module
of the bot imports it."""
from bot.lazy_types import import_aiogram_lazily

import_aiogram_lazily()
