"""getMe, sending, updates via getUpdates, long poll, offsets, auth and unknown methods."""
import asyncio

import aiohttp
import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from emulator.models import TELEGRAM_SERVICE_ID


async def test_get_me(bot, emulator):
    me = await bot.get_me()
    assert me.username == "keeper_bot" and me.is_bot and me.id == emulator.bot_user.id


async def test_send_message_recorded_with_keyboard(bot, emulator, cast):
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="vote:yes")]])
    msg = await bot.send_message(cast.group.id, "Привет, <b>мир</b>", parse_mode="HTML", reply_markup=kb)
    [sent] = emulator.sent(cast.group.id)
    assert sent.text == msg.text == "Привет, мир"
    assert sent.entities[0].type == "bold" and (sent.entities[0].offset, sent.entities[0].length) == (8, 3)
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "vote:yes"
    assert emulator.sent_html(cast.group.id) == ["Привет, <b>мир</b>"]
    assert sent.html_text == "Привет, <b>мир</b>"
    assert sent.from_user.id == emulator.bot_user.id


async def test_bad_html_is_rejected(bot, cast):
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(cast.group.id, "a <b>b", parse_mode="HTML")


async def test_channel_post_and_automatic_forward(bot, emulator, cast):
    post = emulator.post_to_channel(cast.channel.id, text="Новый пост #ml")
    updates = await bot.get_updates(timeout=0)
    assert [u.event_type for u in updates] == ["channel_post", "message"]
    assert updates[0].channel_post.text == "Новый пост #ml"
    assert updates[0].channel_post.sender_chat.id == cast.channel.id
    fwd = updates[1].message
    assert fwd.is_automatic_forward and fwd.chat.id == cast.group.id
    assert fwd.sender_chat.id == cast.channel.id and fwd.from_user.id == TELEGRAM_SERVICE_ID
    assert fwd.forward_origin.message_id == post.message_id
    assert emulator.automatic_forward(cast.channel.id, post.message_id).message_id == fwd.message_id


async def test_long_poll_wakes_on_new_update(bot, emulator, cast):
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    emulator.send_message(cast.group.id, cast.anna.id, "hi")
    updates = await asyncio.wait_for(poll, 3)
    assert [u.message.text for u in updates] == ["hi"]
    assert loop.time() - started < 2


async def test_offset_confirms_updates(bot, emulator, cast):
    for text in ("one", "two", "three"):
        emulator.send_message(cast.group.id, cast.anna.id, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["one", "two"]
    again = await bot.get_updates()  # nothing confirmed yet
    assert len(again) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == []


async def test_allowed_updates_and_reactions(bot, emulator, cast):
    post = emulator.post_to_channel(cast.channel.id, text="post")
    emulator.react(cast.channel.id, post.message_id, {"👍": 3, "🔥": 1})
    updates = await bot.get_updates(allowed_updates=["channel_post", "message_reaction_count"])
    assert [u.event_type for u in updates] == ["channel_post", "message_reaction_count"]
    counts = {r.type.emoji: r.total_count for r in updates[1].message_reaction_count.reactions}
    assert counts == {"👍": 3, "🔥": 1}


async def test_default_allowed_updates_skip_reactions(bot, emulator, cast):
    post = emulator.post_to_channel(cast.channel.id, text="post")
    emulator.react(cast.channel.id, post.message_id, {"👍": 1})
    kinds = [u.event_type for u in await bot.get_updates()]
    assert "message_reaction_count" not in kinds


async def test_bot_messages_are_not_updates(bot, emulator, cast):
    await bot.send_message(cast.group.id, "from the bot")
    assert await bot.get_updates(timeout=0) == []


async def test_user_command_gets_entities(bot, emulator, cast):
    emulator.send_message(cast.group.id, cast.anna.id, "/search@keeper_bot трансформеры")
    [u] = await bot.get_updates()
    e = u.message.entities[0]
    assert (e.type, e.offset, e.length) == ("bot_command", 0, 18)


async def test_anonymous_admin(bot, emulator, cast):
    emulator.send_message(cast.group.id, cast.admin.id, "/ban", sender_chat_id=cast.group.id)
    [u] = await bot.get_updates()
    assert u.message.sender_chat.id == cast.group.id and u.message.from_user.id == 1087968824


async def test_private_chat_must_be_started(bot, emulator, cast):
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(cast.anna.id, "hello")
    emulator.send_message(cast.anna.id, cast.anna.id, "/start")
    await bot.send_message(cast.anna.id, "hello")
    assert emulator.sent(cast.anna.id)[0].chat.type == "private"


async def test_chat_errors(bot, emulator, cast):
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100999, "x")
    emulator.set_bot_status(cast.group.id, "kicked")
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await bot.send_message(cast.group.id, "x")


async def test_bad_token_and_unknown_method(emulator, bot):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/botWRONG:TOKEN/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{emulator.base_url}/bot{emulator.token}/noSuchMethod") as resp:
            assert resp.status == 404 and (await resp.json())["description"] == "Not Found"

    class NoSuchMethod(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "noSuchMethod"

    with pytest.raises(TelegramNotFound):
        await bot(NoSuchMethod())


async def test_json_body_requests(emulator, cast):
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.base_url}/bot{emulator.token}/sendMessage"
        async with http.post(url, json={"chat_id": cast.group.id, "text": "12345"}) as resp:
            body = await resp.json()
    assert body["ok"] and body["result"]["text"] == "12345" and body["result"]["from"]["is_bot"]
