"""Bot API emulator: aiogram's real Bot talks to it over HTTP on 127.0.0.1.

    emu = Emulator(token="123:TEST", bot_username="keeper_bot")
    await emu.start()
    bot = emu.make_bot()   # or Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
"""
from .emulator import Emulator
from .errors import ApiError, EmulatorError
from .faults import Fault, Faults
from .reading import Mark
from .state import CallbackAnswer, InlineAnswer

__all__ = ["ApiError", "CallbackAnswer", "Emulator", "EmulatorError", "Fault", "Faults", "InlineAnswer", "Mark"]
