from tests.emulator.fixtures import bot, cast, emulator  # noqa: F401  (fixtures)
