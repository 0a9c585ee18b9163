"""The sandbox: Keeper's bot, the local Bot API emulator and the sample channel, together offline."""

import bot  # noqa: E402,F401  aiogram imported lazily (bot/lazy_types.py) before the emulator imports it
