"""Webhook delivery, the dispatcher round-trip, waits and the control API."""
import asyncio

import aiohttp
import pytest
from aiogram import Dispatcher, F, Router
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.emulator.fixtures import polling


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.reply(f"echo: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def test_dispatcher_polling_round_trip(bot, emulator, cast):
    dp = echo_dispatcher()
    async with polling(dp, bot):
        mark = emulator.mark()
        asked = emulator.send_message(cast.group.id, cast.anna.id, "привет")
        reply = await emulator.wait_for_sent(chat_id=cast.group.id, since=mark, timeout=5)
    assert reply.text == "echo: привет" and reply.reply_to_message.message_id == asked.message_id


async def test_wait_for_sent_sees_messages_sent_since_mark(bot, emulator, cast):
    mark = emulator.mark()
    await bot.send_message(cast.group.id, "already here")
    got = await emulator.wait_for_sent(lambda m: "here" in m.text, since=mark, timeout=0.5)
    assert got.text == "already here"
    with pytest.raises(TimeoutError):
        await emulator.wait_for_sent(timeout=0.05)  # nothing new after "now"
    later = asyncio.create_task(emulator.wait_for_sent(chat_id=cast.group.id, timeout=2))
    await asyncio.sleep(0)
    await bot.send_message(cast.group.id, "later")
    assert (await later).text == "later"


async def _receiver(handler):
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"


async def test_webhook_delivery_to_aiogram_handler(bot, emulator, cast):
    dp = echo_dispatcher()
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cret").register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        await bot.set_webhook(url, secret_token="s3cret")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        mark = emulator.mark()
        emulator.send_message(cast.group.id, cast.anna.id, "via webhook")
        reply = await emulator.wait_for_sent(since=mark, timeout=5)
        assert reply.text == "echo: via webhook"
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
    finally:
        await runner.cleanup()


async def test_webhook_wrong_secret_is_retried(bot, emulator, cast):
    seen = []

    async def handler(request):
        seen.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        ok = request.headers.get("X-Telegram-Bot-Api-Secret-Token") == "right"
        return web.json_response({}) if ok else web.Response(status=401)

    runner, url = await _receiver(handler)
    try:
        await bot.set_webhook(url, secret_token="wrong")
        emulator.send_message(cast.group.id, cast.anna.id, "hello")
        await emulator.webhook_delivery.wait_attempts(2)
        assert seen[:2] == ["wrong", "wrong"]  # retried
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1 and "401" in info.last_error_message
        await bot.set_webhook(url, secret_token="right")
        delivery = emulator.webhook_delivery
        while not delivery.delivered:
            await delivery.wait_attempts(delivery.attempts + 1)
        assert seen[-1] == "right" and (await bot.get_webhook_info()).pending_update_count == 0
        await bot.delete_webhook(drop_pending_updates=True)
        assert await bot.get_updates(timeout=0) == []
    finally:
        await runner.cleanup()


async def test_second_poller_terminates_first(bot, emulator):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert await second == []


async def test_control_api(emulator, cast, bot):
    base = f"{emulator.base_url}/control"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/mark") as r:
            mark = (await r.json())["result"]
        async with http.post(f"{base}/send_message",
                             json={"chat_id": cast.group.id, "user_id": cast.anna.id, "text": "/start"}) as r:
            body = await r.json()
            assert body["ok"] and body["result"]["entities"][0]["type"] == "bot_command"
        await bot.send_message(cast.group.id, "pong")
        async with http.post(f"{base}/wait_for_sent",
                             json={"text_contains": "pong", "since": mark, "timeout": 1}) as r:
            assert (await r.json())["result"]["text"] == "pong"
        async with http.get(f"{base}/sent", params={"chat_id": cast.group.id}) as r:
            assert [m["text"] for m in (await r.json())["result"]] == ["pong"]
        async with http.get(f"{base}/member", params={"chat_id": cast.group.id,
                                                      "user_id": cast.admin.id}) as r:
            assert (await r.json())["result"]["status"] == "administrator"
        async with http.post(f"{base}/faults", json={"method": "getMe", "status": 500}) as r:
            assert r.status == 200
        async with http.post(f"{base}/nope", json={}) as r:
            assert r.status == 404
