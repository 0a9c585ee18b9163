"""Fault injection and flood limits surface as aiogram's own exceptions."""
import pytest
from aiogram.exceptions import (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramRetryAfter, TelegramServerError)


async def test_retry_after_once(bot, emulator, cast):
    emulator.faults.add(method="sendMessage", status=429, retry_after=3, times=1)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(cast.group.id, "x")
    assert info.value.retry_after == 3
    await bot.send_message(cast.group.id, "x")  # the fault was used up
    assert len(emulator.calls("sendMessage")) == 2 and len(emulator.sent()) == 1


@pytest.mark.parametrize("status,exc,description", [
    (400, TelegramBadRequest, "Bad Request: custom"),
    (403, TelegramForbiddenError, None),
    (500, TelegramServerError, None),
    (502, TelegramServerError, None),
])
async def test_status_faults(bot, cast, emulator, status, exc, description):
    emulator.faults.add(method="sendMessage", status=status, description=description)
    with pytest.raises(exc) as info:
        await bot.send_message(cast.group.id, "x")
    if description:
        assert "custom" in str(info.value)
    assert emulator.sent() == []


async def test_dropped_connection(bot, emulator, cast):
    emulator.faults.add(method="getMe", drop=True)
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    assert (await bot.get_me()).username == "keeper_bot"


async def test_fault_for_any_method_and_chat_filter(bot, emulator, cast):
    emulator.faults.add(status=500, chat_id=cast.channel.id, times=None)
    await bot.send_message(cast.group.id, "fine")
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(cast.channel.id, "fails")
    emulator.faults.clear()
    await bot.send_message(cast.channel.id, "fine now")


async def test_group_limit_per_minute(bot, emulator, cast):
    now = [1_800_000_000.0]
    emulator.clock = lambda: now[0]
    emulator.enforce_limits(True)
    for i in range(20):
        await bot.send_message(cast.group.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(cast.group.id, "one too many")
    assert 1 <= info.value.retry_after <= 60
    await bot.send_message(cast.channel.id, "other chats are fine")
    now[0] += info.value.retry_after
    await bot.send_message(cast.group.id, "after waiting")


async def test_global_limit_per_second(bot, emulator, cast):
    now = [1_800_000_000.0]
    emulator.clock = lambda: now[0]
    emulator.enforce_limits(True)
    for i in range(30):
        await bot.send_message(cast.owner.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(cast.owner.id, "x")
    assert info.value.retry_after == 1
    now[0] += 1.0
    await bot.send_message(cast.owner.id, "x")
