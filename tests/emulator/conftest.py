from bot.emulator.testing import bot, emulator, world  # noqa: F401  (fixtures)
