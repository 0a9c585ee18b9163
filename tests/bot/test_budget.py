"""The reply budget under abuse, through the emulator: per-person command limits, merged reports,
and moderation replies ahead of cheap answers in a group's send queue.

Time is the keeper's clock: a StillClock stands still until a test moves it, so a minute of
Telegram's pacing takes no real time and nothing here is timed."""
from __future__ import annotations

import asyncio
import contextlib

import pytest

from archive.embeddings import FakeEmbedder
from archive.store import Archive
from bot.clock import StillClock
from sandbox.keeper import CHAT_ID, LOG_CHAT_ID, OfflineKeeper
from tests.sample import load_sample

MARIA, ANNA, IVAN, JOHN, OLGA, PETR, SERGEY = 101, 1001, 1002, 1003, 1004, 1005, 1006
START = 1_754_000_000.0
BUDGET = dict(command_limit=5, command_limit_private=5, command_window=60)
SLOW_DOWN = "Слишком много команд подряд"


@pytest.fixture
def make_keeper(tmp_path):
    """`async with make_keeper(**settings) as world:` the sample archived, a StillClock, no flood rule."""

    @contextlib.asynccontextmanager
    async def make(**settings):
        db_path = tmp_path / "keeper.db"
        load_sample(Archive(db_path)).db.conn.close()
        quiet = dict(flood_messages=50, votekick_sweep_seconds=3600)
        async with OfflineKeeper(db_path, embedder=FakeEmbedder(), clock=StillClock(START),
                                 **{**quiet, **settings}) as world:
            world.services.searcher.embed_pending()
            yield world

    return make


def rules_sent(world, chat_id: int = CHAT_ID) -> int:
    """/rules answers (they are not replies)."""
    return sum("Правила чата" in (m.text or "") for m in world.emu.sent(chat_id))


def replies_to(world, messages, chat_id: int = CHAT_ID) -> list:
    ids = {m.message_id for m in messages}
    return [m for m in world.emu.sent(chat_id) if m.reply_to_message and m.reply_to_message.message_id in ids]


async def until(condition, timeout: float = 10.0) -> None:
    """Wait (a bounded poll) until the bot has got somewhere; fail if it never does."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bot never got there")


def add_members(world, first_id: int, n: int) -> list[int]:
    ids = list(range(first_id, first_id + n))
    for uid in ids:
        world.emu.add_user(uid, f"Reader{uid - first_id + 1}", f"reader{uid}", "ru", started=True)
        world.emu.set_member(CHAT_ID, uid, "member", joined_at=int(START) - 30 * 86400)
    return ids


# -- per-person command limits ------------------------------------------------------------------

async def test_fifteen_quick_searches_get_five_answers_and_one_notice(make_keeper):
    async with make_keeper(**BUDGET) as world:
        asked = [world.emu.send_message(CHAT_ID, ANNA, f"/search модель {i}") for i in range(15)]
        assert await world.settle()
        answers = replies_to(world, asked)
        assert len(answers) == 6  # updates are handled concurrently: which five is not fixed
        [notice] = [a for a in answers if SLOW_DOWN in a.text]
        assert "через 1 минуту" in notice.text
        assert len(world.emu.sent(CHAT_ID)) == 6  # nothing else reached the chat


async def test_a_throttled_person_is_ignored_for_the_window_then_answered_again(make_keeper):
    async with make_keeper(command_limit_private=1, command_window=30) as world:
        first = world.emu.send_message(ANNA, ANNA, "/search leakage")
        second = world.emu.send_message(ANNA, ANNA, "/search leakage")
        third = world.emu.send_message(ANNA, ANNA, "/rules")
        assert await world.settle()
        answers = sorted(replies_to(world, [first, second, third], ANNA), key=lambda m: m.reply_to_message.message_id)
        assert [a.reply_to_message.message_id for a in answers] == [first.message_id, second.message_id]
        assert answers[1].text == "Слишком много команд подряд — отвечу вам снова через 30 секунд."
        assert rules_sent(world, ANNA) == 0 and len(world.emu.sent(ANNA)) == 2
        world.clock.advance(30)
        world.emu.send_message(ANNA, ANNA, "/rules")
        assert await world.settle()
        assert rules_sent(world, ANNA) == 1


async def test_english_speakers_are_told_in_english(make_keeper):
    async with make_keeper(command_limit=1) as world:
        world.emu.send_message(CHAT_ID, JOHN, "/rules")
        world.emu.send_message(CHAT_ID, JOHN, "/rules")
        assert await world.settle()
        assert world.emu.sent(CHAT_ID)[-1].text == "Too many commands in a row — I'll answer you again in 1 minute."


async def test_admins_and_plain_messages_are_not_counted(make_keeper):
    async with make_keeper(command_limit=1) as world:
        for _ in range(4):
            world.emu.send_message(CHAT_ID, MARIA, "/rules")
        for i in range(4):
            world.emu.send_message(CHAT_ID, ANNA, f"просто сообщение {i}")
        world.emu.send_message(CHAT_ID, ANNA, "/rules")
        assert await world.settle()
        assert rules_sent(world) == 5 and len(world.emu.sent(CHAT_ID)) == 5


async def test_quick_page_turns_are_acted_on_up_to_the_limit_then_answered_without_acting(make_keeper):
    async with make_keeper(press_limit=3) as world:
        world.emu.send_message(ANNA, ANNA, "/search модель")
        assert await world.settle()
        [results] = world.emu.sent(ANNA)
        button = results.reply_markup.inline_keyboard[0][0].callback_data  # «Дальше »»
        presses = [world.emu.press_button(ANNA, results.message_id, ANNA, button) for _ in range(5)]
        assert await world.settle()
        edits = world.emu.calls("editMessageText")
        answers = [world.emu.callback_answers[p.id].text for p in presses]
        assert len(edits) == 3  # the same page three times: acted on, then not
        assert answers.count("Слишком много нажатий подряд — кнопки снова заработают через 1 минуту.") == 1
        assert all(p.id in world.emu.callback_answers for p in presses)  # no button left spinning
        world.clock.advance(60)
        back = world.emu.message(ANNA, results.message_id).reply_markup.inline_keyboard[0][0]  # « Назад
        world.emu.press_button(ANNA, results.message_id, ANNA, back.callback_data)
        assert await world.settle()
        assert len(world.emu.calls("editMessageText")) == 4


async def test_an_admin_s_presses_are_never_held_back(make_keeper):
    async with make_keeper(press_limit=1) as world:
        world.emu.send_message(CHAT_ID, ANNA, "/search модель")
        assert await world.settle()
        [results] = world.emu.sent(CHAT_ID)
        button = results.reply_markup.inline_keyboard[0][0].callback_data
        presses = [world.emu.press_button(CHAT_ID, results.message_id, MARIA, button) for _ in range(3)]
        assert await world.settle()
        # each press reached the handler, which says the paging is Anna's
        assert {world.emu.callback_answers[p.id].text for p in presses} == {
            "Листать результаты может только тот, кто искал."}


async def test_inline_searches_past_the_limit_get_a_button_saying_why(make_keeper):
    async with make_keeper(inline_limit=2) as world:
        queries = [world.emu.inline_query(JOHN, f"leakage {i}") for i in range(3)]
        assert await world.settle()
        answers = [world.emu.inline_answers[q.id] for q in queries]
        assert all(a.results for a in answers[:2])
        assert answers[2].results == [] and answers[2].button["text"] == "Too many searches — wait 1 minute"
        world.clock.advance(60)
        again = world.emu.inline_query(JOHN, "leakage")
        assert await world.settle()
        assert world.emu.inline_answers[again.id].results


# -- reports ------------------------------------------------------------------------------------

async def test_ten_reports_in_a_second_make_one_post_naming_every_reporter(make_keeper):
    async with make_keeper(**BUDGET) as world:
        spam = world.emu.send_message(CHAT_ID, SERGEY, "купи крипту http://spam.example")
        reporters = add_members(world, 7000, 10)
        reports = [world.emu.send_message(CHAT_ID, uid, "/report", reply_to=spam.message_id) for uid in reporters]
        assert await world.settle()
        [post] = world.emu.sent(LOG_CHAT_ID)
        text = post.text
        assert text.startswith("🚩 Жалобы от Reader") and "на Sergey" in text and "купи крипту" in text
        assert all(f"Reader{i}" in text for i in range(1, 11))
        assert [m.text for m in replies_to(world, reports)] == ["Спасибо, администраторы уведомлены."]


async def test_reports_close_in_time_share_a_post_and_later_ones_start_a_new_one(make_keeper):
    async with make_keeper(report_merge_seconds=120) as world:
        rude = world.emu.send_message(CHAT_ID, SERGEY, "ты дурак")
        spam = world.emu.send_message(CHAT_ID, PETR, "реклама")
        world.emu.send_message(CHAT_ID, ANNA, "/report", reply_to=rude.message_id)
        assert await world.settle()
        world.clock.advance(60)
        world.emu.send_message(CHAT_ID, IVAN, "/report", reply_to=spam.message_id)
        assert await world.settle()
        world.emu.send_message(CHAT_ID, OLGA, "@admin тут спамят")
        assert await world.settle()
        [post] = world.emu.sent(LOG_CHAT_ID)
        blocks = post.text.split("\n\n")
        assert [b.split("\n")[0] for b in blocks] == [
            "🚩 Жалоба от Anna на Sergey", "🚩 Жалоба от Ivan на Petr", "🚩 Зовут админов: Olga"]
        assert len([m for m in world.emu.sent(CHAT_ID) if "уведомлены" in m.text]) == 3
        world.clock.advance(61)  # two minutes after the first report: a new post
        world.emu.send_message(CHAT_ID, JOHN, "/report", reply_to=rude.message_id)
        assert await world.settle()
        first, second = world.emu.sent(LOG_CHAT_ID)
        assert first.text == post.text and second.text.startswith("🚩 Жалоба от John на Sergey")


async def test_without_merging_each_report_is_its_own_post(make_keeper):
    async with make_keeper(report_merge_seconds=0) as world:
        rude = world.emu.send_message(CHAT_ID, SERGEY, "ты дурак")
        for uid in (ANNA, IVAN, OLGA):
            world.emu.send_message(CHAT_ID, uid, "/report", reply_to=rude.message_id)
        assert await world.settle()
        assert len(world.emu.sent(LOG_CHAT_ID)) == 3


# -- priorities in the send queue ---------------------------------------------------------------

async def test_an_admins_warn_goes_ahead_of_queued_search_answers(make_keeper):
    async with make_keeper(command_limit=0) as world:
        world.emu.enforce_limits()  # Telegram's ~20 messages a minute into one group, on the same clock
        askers = add_members(world, 7000, 20)
        target = world.emu.send_message(CHAT_ID, PETR, "оффтоп")
        searches = [world.emu.send_message(CHAT_ID, uid, "/search модель") for uid in askers]
        # cheap answers may take 15 of the 20 places a minute; the other five wait in the queue
        await until(lambda: len(replies_to(world, searches)) == 15 and len(world.clock.sleepers) == 5)
        warn = world.emu.send_message(CHAT_ID, MARIA, "/warn оффтоп", reply_to=target.message_id)
        await until(lambda: replies_to(world, [warn]))
        assert "предупреждение 1/3" in replies_to(world, [warn])[0].text
        assert len(replies_to(world, searches)) == 15  # still queued
        world.clock.advance(60)
        await until(lambda: len(replies_to(world, searches)) == 20)
        sent = world.emu.sent(CHAT_ID)
        warned_at = sent.index(replies_to(world, [warn])[0])
        assert all(sent.index(answer) > warned_at for answer in replies_to(world, searches)[15:])
        to_chat = [c for c in world.emu.calls("sendMessage") if str(c[1]["chat_id"]) == str(CHAT_ID)]
        assert len(to_chat) == len(sent)  # no send was refused with 429: the bot kept to the pace
