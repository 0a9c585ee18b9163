"""Running the bot: webhook mode, settings errors, the sandbox pipe, send pacing."""
from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from click.testing import CliRunner

from archive.embeddings import FakeEmbedder
from bot.app import build_dispatcher, create_bot
from bot.middlewares.outgoing import SendLimiter
from bot.runner import WEBHOOK_PATH, make_services, webhook_app
from sandbox.terminal import run_sandbox
from bot.settings import SettingsError, load_settings
from sandbox.keeper import CHAT_ID, OfflineKeeper

ANNA = 1001


@pytest.fixture
async def webhook_keeper(tmp_path):
    """The emulator delivering to the bot's webhook server (no polling)."""
    keeper = OfflineKeeper(tmp_path / "k.db", embedder=FakeEmbedder())
    await keeper.emu.start()
    keeper.populate()
    settings = keeper.settings()
    services = make_services(settings, FakeEmbedder())
    bot, dp = create_bot(settings), build_dispatcher(services)
    runner = web.AppRunner(webhook_app(bot, dp, "s3cret-token"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    yield keeper, bot, url
    await runner.cleanup()
    await bot.session.close()
    services.close()
    await keeper.emu.stop()


async def test_webhook_with_the_right_secret_gets_answers(webhook_keeper):
    keeper, bot, url = webhook_keeper
    await bot.set_webhook(url, secret_token="s3cret-token")
    mark = keeper.emu.mark()
    keeper.emu.send_message(CHAT_ID, ANNA, "/help")
    reply = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark, timeout=10)
    assert "/search" in reply.text


async def test_webhook_with_a_wrong_secret_is_refused(webhook_keeper):
    keeper, bot, url = webhook_keeper
    update = {"update_id": 1, "message": {
        "message_id": 1, "date": 1700000000, "chat": {"id": CHAT_ID, "type": "supergroup"},
        "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"}, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    async with aiohttp.ClientSession() as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 401
    assert keeper.emu.sent(CHAT_ID) == []


def test_missing_settings_are_listed_in_one_message(monkeypatch):
    for name in ("KEEPER_BOT_TOKEN", "KEEPER_CHANNEL_ID", "KEEPER_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None, bot_token="no-colon")
    with pytest.raises(SettingsError) as error:
        settings.require_bot()
    text = str(error.value)
    assert "KEEPER_BOT_TOKEN" in text and "KEEPER_CHANNEL_ID" in text and "KEEPER_CHAT_ID" in text


def test_wrong_setting_value_is_one_clear_line(monkeypatch):
    from keeper.cli import cli

    monkeypatch.setenv("KEEPER_BOT_TOKEN", "1:x")
    monkeypatch.setenv("KEEPER_TIMEZONE", "Mars/Olympus")
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code != 0
    assert "KEEPER_TIMEZONE" in result.output and "Traceback" not in result.output


async def test_sandbox_pipe_answers_search_with_the_leakage_review(monkeypatch):
    lines, printed = ["/search leakage", ":as john", "/help"], []
    await run_sandbox(interactive=False, lines=lines, out=printed.append)
    text = "\n".join(printed)
    assert "> /search leakage" in text
    first_result = text.split("\n\n")[1]
    assert first_result.startswith("1. Does Liking Yellow Imply Driving a School Bus?")
    assert "now acting as John" in text and "Commands" in text


async def test_send_limiter_keeps_a_group_under_twenty_per_minute():
    now = [0.0]
    slept = []

    async def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = SendLimiter(clock=lambda: now[0], sleep=sleep)
    for _ in range(21):
        await limiter.acquire(CHAT_ID)
    assert len(slept) == 1 and slept[0] == pytest.approx(60.0)
    await limiter.acquire(555)  # a private chat is only under the overall limit
    assert len(slept) == 1


async def test_a_failing_handler_is_reported_and_the_bot_keeps_going(tmp_path, caplog):
    class BrokenSearch:
        def search(self, *args, **kwargs):
            raise RuntimeError("index exploded")

    async with OfflineKeeper(tmp_path / "k.db", embedder=FakeEmbedder()) as keeper:
        keeper.services.searcher = BrokenSearch()
        mark = keeper.emu.mark()
        keeper.emu.send_message(CHAT_ID, ANNA, "/search leakage")
        reply = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark, timeout=10)
        assert reply.text == "Что-то пошло не так. Попробуйте ещё раз чуть позже."
        assert any("failed" in r.message and "index exploded" in r.message for r in caplog.records)
        mark = keeper.emu.mark()
        keeper.emu.send_message(CHAT_ID, ANNA, "/rules")
        assert "Не будь мудаком" in (await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark)).text


async def test_missing_rights_are_named_at_start(tmp_path):
    from bot.app import missing_rights

    async with OfflineKeeper(tmp_path / "k.db", embedder=FakeEmbedder()) as keeper:
        keeper.emu.set_bot_rights(CHAT_ID, can_delete_messages=True)
        problems = await missing_rights(keeper.bot, keeper.services.settings)
        assert problems == [f"in the chat {CHAT_ID} I lack: can_restrict_members, can_pin_messages"]


async def test_after_downtime_stale_commands_are_skipped_and_channel_posts_kept(tmp_path):
    import asyncio
    import time

    from bot.runner import run_polling
    from sandbox.keeper import CHANNEL_ID

    keeper = OfflineKeeper(tmp_path / "k.db", embedder=FakeEmbedder())
    await keeper.emu.start()
    keeper.populate()
    keeper.emu.clock = lambda: time.time() - 3600  # an hour ago, while the bot was down:
    keeper.emu.send_message(ANNA, ANNA, "/help")
    keeper.emu.post_to_channel(CHANNEL_ID, text="Пост, пока бот спал: диффузия для видео")
    keeper.emu.clock = time.time
    services = make_services(keeper.settings(), FakeEmbedder())
    bot, dp = create_bot(keeper.settings()), build_dispatcher(services)
    task = asyncio.create_task(run_polling(bot, dp, handle_signals=False))
    try:
        await keeper.emu.wait_for_call("getUpdates", since=0, timeout=10)
        mark = keeper.emu.mark()
        keeper.emu.send_message(ANNA, ANNA, "/rules")
        reply = await keeper.emu.wait_for_sent(chat_id=ANNA, since=mark, timeout=10)
        assert "Не будь мудаком" in reply.text
        assert [m.text.split()[0] for m in keeper.emu.sent(ANNA)] == [reply.text.split()[0]]
        for _ in range(100):  # ingest runs off the event loop
            if services.archive.count():
                break
            await asyncio.sleep(0.05)
        assert services.archive.posts(limit=1)[0].text.startswith("Пост, пока бот спал")
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, 10)
        await bot.session.close()
        services.close()
        await keeper.emu.stop()


async def test_a_retried_mute_keeps_its_length_and_a_lost_send_is_not_repeated(tmp_path):
    async with OfflineKeeper(tmp_path / "k.db", embedder=FakeEmbedder()) as keeper:
        keeper.emu.faults.add(method="restrictChatMember", status=429, retry_after=2)
        from aiogram.types import ChatPermissions

        until = int(keeper.emu.clock()) + 600
        await keeper.bot.restrict_chat_member(CHAT_ID, 1004, ChatPermissions(can_send_messages=False),
                                             until_date=until)
        sent_until = [int(p["until_date"]) for _, p in keeper.emu.calls("restrictChatMember")]
        assert sent_until == [until, until + 2]
        keeper.emu.faults.add(method="sendMessage", drop=True)
        with pytest.raises(Exception):
            await keeper.bot.send_message(ANNA, "once")
        assert [m.text for m in keeper.emu.sent(ANNA)] == ["once"]  # it arrived; not sent twice


def test_long_lists_are_cut_to_one_telegram_message():
    from bot.messages import LIST_LIMIT, TEXT_LIMIT, join_within

    blocks = ["header"] + [f"event {i}: " + "x" * 200 for i in range(60)]
    text = join_within(blocks, lambda n: f"…and {n} more")
    assert len(text) <= TEXT_LIMIT and text.endswith("more") and text.startswith("header")
    shown = text.count("event ")
    assert text.endswith(f"…and {60 - shown} more")
    short = join_within(["h"] + ["e"] * (LIST_LIMIT + 5), lambda n: f"+{n}", sep="\n", hidden=10)
    assert short.endswith(f"+{5 + 10}") and short.count("e") == LIST_LIMIT
    assert join_within(["h", "a"], lambda n: "more") == "h\n\na"
