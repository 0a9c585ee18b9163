"""A complete offline Keeper: the emulator, a channel with its chat and people, and the bot.

The sandbox, the end-to-end tests and bench/bot.py all run on this.
"""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject

from bot.app import allowed_updates, build_dispatcher, create_bot
from bot.clock import Clock
from bot.routers.moderation import ChatModeration
from bot.routers.spam import SpamGuard
from bot.runner import make_services
from bot.services import Services
from bot.settings import Settings
from emulator import Emulator

TOKEN = "123456:SANDBOX-TOKEN"
CHANNEL_ID = -1001394778475
CHAT_ID = -1001500000000
LOG_CHAT_ID = -1001600000000


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    username: str
    lang: str | None
    role: str  # owner | admin | member | newcomer


PEOPLE = (
    Person(100, "Boris", "btseytlin", "ru", "owner"),
    Person(101, "Maria", "maria_admin", "ru", "admin"),
    Person(1001, "Anna", "anna", "ru", "member"),
    Person(1002, "Ivan", "ivan", "ru", "member"),
    Person(1003, "John", "john", "en", "member"),
    Person(1004, "Olga", "olga", "ru", "member"),
    Person(1005, "Petr", "petr", "ru", "member"),
    Person(1006, "Sergey", "sergey", "ru", "member"),
    Person(1999, "Newbie", "newbie", "ru", "newcomer"),
)
ADMIN_RIGHTS = dict(can_delete_messages=True, can_restrict_members=True, can_pin_messages=True,
                    can_invite_users=True, can_manage_chat=True, can_change_info=True,
                    can_promote_members=False)


class InFlight(BaseMiddleware):
    """Counts the updates the dispatcher is handling right now (the sandbox waits for zero)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, handler: Callable[[TelegramObject, dict], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        try:
            return await handler(event, data)
        finally:
            self.count -= 1


class OfflineKeeper:
    """Start with `async with OfflineKeeper(tmp_path / "keeper.db") as keeper:`.

    One clock drives the emulator (message dates, limits) and the bot; pass `clock` to live
    at another time. `channel_next_id` continues the channel's message ids after an archive's."""

    def __init__(self, db_path: str | Path, embedder=None, *, clock: Clock | None = None,
                 channel_next_id: int = 1, **settings):
        self.db_path = str(db_path)
        self.embedder = embedder
        self.settings_overrides = settings
        self.clock = clock or Clock()
        self.channel_next_id = channel_next_id
        self.emu = Emulator(token=TOKEN, bot_username="keeper_bot", clock=self.clock.now)
        self.in_flight = InFlight()
        self.services: Services | None = None
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        self._polling: asyncio.Task | None = None

    async def __aenter__(self) -> "OfflineKeeper":
        await self.emu.start()
        self.populate()
        await self.start_bot()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop_bot()
        await self.emu.stop()

    def populate(self) -> None:
        emu = self.emu
        emu.add_channel(CHANNEL_ID, "Boris again", "boris_again", next_message_id=self.channel_next_id)
        emu.add_group(CHAT_ID, "Boris again — чат", linked_channel_id=None)
        emu.add_group(LOG_CHAT_ID, "Keeper log")
        emu.set_bot_rights(CHAT_ID, **ADMIN_RIGHTS)
        emu.set_bot_rights(LOG_CHAT_ID, can_delete_messages=True)
        joined = int(emu.clock()) - 30 * 86400
        for p in PEOPLE:
            emu.add_user(p.id, p.name, p.username, p.lang, started=True)
            status = {"owner": "creator", "admin": "administrator"}.get(p.role, "member")
            rights = ADMIN_RIGHTS if p.role == "admin" else None
            emu.set_member(CHAT_ID, p.id, status, rights,
                           joined_at=int(emu.clock()) if p.role == "newcomer" else joined)
            if p.role in ("owner", "admin"):
                emu.set_member(LOG_CHAT_ID, p.id, status, rights, joined_at=joined)
        emu.set_member(CHANNEL_ID, 100, "creator", joined_at=joined)

    @property
    def moderation(self) -> ChatModeration:
        """The running bot's moderation: votes, warns, audit, activity, the admin cache."""
        return self.dp["moderation"]

    @property
    def spam(self) -> SpamGuard:
        """The running bot's spam check: its filter, reports and newcomer window."""
        return self.dp["spam"]

    def know_regulars(self, messages: int = 3) -> None:
        """What the bot would know after a month in the chat: everyone but the newcomer joined
        30 days ago and has written `messages` messages, so the newcomer spam check leaves them be."""
        store = self.moderation.store
        joined = self.clock.now() - 30 * 86400
        for person in PEOPLE:
            if person.role != "newcomer":
                store.note_join(CHAT_ID, person.id, joined)
                for _ in range(messages):
                    store.note_message(CHAT_ID, person.id, joined)

    def settings(self) -> Settings:
        values = dict(
            bot_token=TOKEN, telegram_api=self.emu.base_url, channel_id=CHANNEL_ID,
            channel_username="boris_again", chat_id=CHAT_ID, log_chat_id=LOG_CHAT_ID,
            db=self.db_path, command_limit=0, command_limit_private=0)  # tests and tours type fast
        return Settings(_env_file=None, **{**values, **self.settings_overrides})

    async def start_bot(self) -> None:
        """Start (or restart) the bot process part; the emulator and database persist."""
        settings = self.settings()
        self.services = make_services(settings, self.embedder)
        self.services.clock = self.clock
        self.bot = create_bot(settings, clock=self.clock)
        self.dp = build_dispatcher(self.services)
        self.dp.update.outer_middleware(self.in_flight)
        mark = self.emu.mark()
        self._polling = asyncio.create_task(self.dp.start_polling(
            self.bot, allowed_updates=allowed_updates(self.dp), handle_signals=False,
            close_bot_session=False, polling_timeout=10, handle_as_tasks=False))
        await self.emu.wait_for_call("getUpdates", since=mark, timeout=30)

    async def stop_bot(self) -> None:
        if self._polling is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._polling, timeout=15)
        await self.bot.session.close()
        self.services.close()
        self._polling = None

    def idle(self) -> bool:
        """Every update fetched and handled; nothing in flight."""
        return not self.emu.updates.pending and self.in_flight.count == 0

    async def settle(self, timeout: float = 30.0, quiet: float = 0.15) -> bool:
        """Wait until the bot is idle and has made no API call for `quiet` seconds;
        False if it is still busy after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        calls, still_since = len(self.emu.call_log), loop.time()
        while loop.time() < deadline:
            await self.emu.calls_signal.wait(0.05)
            if len(self.emu.call_log) != calls or not self.idle():
                calls, still_since = len(self.emu.call_log), loop.time()
            elif loop.time() - still_since >= quiet:
                return True
        return False

    async def restart(self) -> None:
        await self.stop_bot()
        await self.start_bot()
