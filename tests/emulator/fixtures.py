"""Pytest fixtures and helpers for tests that drive the bot through the emulator.

Use from any test package:  `from tests.emulator.fixtures import emulator, bot, cast  # noqa: F401`
(fixtures for driving the emulator alone, without Keeper).
"""
from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest_asyncio
from aiogram import Bot, Dispatcher

from emulator import Emulator

TOKEN = "123456:TEST-TOKEN"
CHANNEL_ID = -1001394778475
GROUP_ID = -1001500000000


def make_bot(emu: Emulator, **kwargs) -> Bot:
    return emu.make_bot(**kwargs)


def populate(emu: Emulator) -> SimpleNamespace:
    """A small standard world: the channel, its discussion group, an owner, an admin, two members."""
    channel = emu.add_channel(id=CHANNEL_ID, title="Boris again", username="boris_again")
    group = emu.add_group(id=GROUP_ID, title="Boris chat", linked_channel_id=channel.id)
    owner = emu.add_user(id=1000, first_name="Boris", username="boris", language_code="ru", started=True)
    admin = emu.add_user(id=1002, first_name="Olga", username="olga", language_code="ru")
    anna = emu.add_user(id=1001, first_name="Anna", username="anna", language_code="ru")
    bob = emu.add_user(id=1003, first_name="Bob", username="bob", language_code="en")
    emu.set_member(group.id, owner.id, "creator")
    emu.set_member(channel.id, owner.id, "creator")
    emu.set_member(group.id, admin.id, "administrator",
                   rights=dict(can_delete_messages=True, can_restrict_members=True))
    emu.set_member(group.id, anna.id, "member")
    emu.set_member(group.id, bob.id, "member")
    emu.set_bot_rights(group.id, can_delete_messages=True, can_restrict_members=True,
                       can_pin_messages=True, can_invite_users=True, can_manage_chat=True)
    return SimpleNamespace(channel=channel, group=group, owner=owner, admin=admin, anna=anna, bob=bob)


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot, **kwargs):
    """Run dp.start_polling in the background for the duration of the block."""
    kwargs.setdefault("polling_timeout", 5)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                **kwargs))
    try:
        for _ in range(200):  # until the dispatcher is actually polling
            if dp._running_lock.locked():
                break
            await asyncio.sleep(0.005)
        yield task
    finally:
        if dp._running_lock.locked():
            await dp.stop_polling()
        await asyncio.wait_for(task, 5)


@pytest_asyncio.fixture
async def emulator():
    emu = Emulator(token=TOKEN, bot_username="keeper_bot")
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest_asyncio.fixture
async def bot(emulator):
    b = make_bot(emulator)
    try:
        yield b
    finally:
        await b.session.close()


@pytest_asyncio.fixture
async def cast(emulator):
    return populate(emulator)
