"""The Emulator: an in-memory Telegram world served over the Bot API on 127.0.0.1."""
from __future__ import annotations

import time
from typing import Callable

from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand, Update, User
from aiohttp import web

from .faults import Faults, RateLimiter
from .methods.interactive import commands_key
from .people import PeopleMixin
from .reading import ReadingMixin
from .server import make_app
from .state import WebhookState
from .updates import Signal, UpdateQueue
from .webhook import WebhookDelivery
from .directory import DirectoryMixin


class Emulator(DirectoryMixin, PeopleMixin, ReadingMixin):
    """Bot API emulator. Build the world, `await start()`, point aiogram at `base_url`.

    All state is in memory and all methods must be called from the event loop's thread.
    """

    def __init__(self, token: str = "123:TEST", bot_username: str = "keeper_bot", *,
                 bot_first_name: str = "Keeper", clock: Callable[[], float] = time.time,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.bot_user = User(id=int(token.split(":", 1)[0]), is_bot=True, first_name=bot_first_name,
                             username=bot_username, can_join_groups=True,
                             can_read_all_group_messages=True, supports_inline_queries=True)
        self.clock = clock  # replace with any callable to move time (flood limits, dates, until_date)
        self.host, self.port = host, port
        self.base_url: str | None = None
        # the world
        self.users: dict = {}
        self.chats: dict = {}
        self.members: dict = {}
        self.messages_by_chat: dict = {}
        self.files: dict = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.discussion: dict = {}  # (channel_id, post_id) -> (group_id, message_id)
        # what happened
        self.updates = UpdateQueue()
        self.sent_log: list = []
        self.call_log: list[tuple[str, dict]] = []
        self.sent_signal = Signal()
        self.calls_signal = Signal()
        self.callback_queries: dict = {}
        self.callback_answers: dict = {}  # callback query id -> CallbackAnswer
        self.inline_queries: dict = {}
        self.inline_answers: dict = {}  # inline query id -> InlineAnswer
        self.bot_commands: dict = {}
        # transport
        self.webhook = WebhookState()
        self.webhook_delivery = WebhookDelivery(self)
        self.faults = Faults()
        self.limiter = RateLimiter(lambda: self.clock())
        self.poll_generation = 0
        self.closing = False
        self._seq = 0
        self._runner: web.AppRunner | None = None

    # ---- lifecycle -------------------------------------------------------------
    async def start(self) -> "Emulator":
        self.closing = False
        self._runner = web.AppRunner(make_app(self), handler_cancellation=True, shutdown_timeout=1.0,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{self.port}"
        self.webhook_delivery.start()
        return self

    async def stop(self) -> None:
        self.closing = True
        self.updates.signal.fire()  # release long polls
        await self.webhook_delivery.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "Emulator":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def api_server(self) -> TelegramAPIServer:
        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, **kwargs):
        """An aiogram Bot talking to this emulator over HTTP; close its session when done."""
        from aiogram import Bot

        from .session import LoopbackSession

        return Bot(self.token, session=LoopbackSession(api=self.api_server), **kwargs)

    # ---- knobs and extra views -------------------------------------------------
    def enforce_limits(self, on: bool = True, *, per_second: int = 30, per_group_minute: int = 20) -> None:
        """Answer 429 beyond ~30 sends/s overall or ~20 sends/min into one group (by emu.clock)."""
        self.limiter.enabled = on
        self.limiter.per_second, self.limiter.per_group_minute = per_second, per_group_minute

    def push_update(self, **payload) -> Update:
        """Queue a raw update, e.g. push_update(message=Message(...)) for cases the actors don't cover."""
        return self.updates.push(**payload)

    def commands(self, scope: dict | None = None, language_code: str | None = None) -> list[BotCommand]:
        """Commands set with setMyCommands for exactly this scope and language."""
        return self.bot_commands.get(commands_key(scope, language_code), [])
