"""Admin commands end to end: targets, durations, bad arguments, warns, flood, reports, undo."""
from __future__ import annotations

import time

import pytest
import time_machine

from sandbox.keeper import CHAT_ID, LOG_CHAT_ID

from tests.bot.helpers import chat, processed, said, text_of
from tests.bot.moderation.helpers import quiet

pytestmark = quiet


async def test_targets_by_reply_username_and_id(keeper):
    emu = keeper.emu
    await chat(keeper, 1001, 1)  # the bot now knows @anna
    answer = await said(keeper, 101, "/ban @Anna 2 часа флуд")
    assert "Anna" in text_of(answer) and "2 часа" in text_of(answer) and "флуд" in text_of(answer)
    ban = emu.calls("banChatMember")[-1][1]
    assert ban["user_id"] == 1001 and abs(int(ban["until_date"]) - (time.time() + 7200)) < 60
    answer = await said(keeper, 101, "/mute 1004 forever")
    muted = emu.member(CHAT_ID, 1004)
    assert muted.status == "restricted" and muted.until_date.timestamp() == 0  # forever
    assert "мут навсегда" in text_of(answer)
    assert "Olga" in text_of(answer)


async def test_bad_arguments_get_short_helpful_answers(keeper):
    emu = keeper.emu
    target = emu.send_message(CHAT_ID, 1005, "hi")
    admin_msg = emu.send_message(CHAT_ID, 101, "admin here")
    cases = [
        ("/ban", None, "Кого?"),
        ("/ban @nobody", None, "Не знаю пользователя @nobody"),
        ("/ban 99999999", None, "Id 99999999 мне незнаком"),
        ("/ban 10 spam", target.message_id, "укажите единицу"),
        ("/mute 10s", target.message_id, "меньше 30 секунд"),
        ("/mute -5m", target.message_id, "Непонятен срок «-5m»"),  # not a forever mute for "-5m"
        ("/ban 400d", target.message_id, "больше 366 дней"),
        ("/ban 1d", admin_msg.message_id, "администратор"),
        ("/kick", None, "Кого?"),
        ("/del", None, "Ответьте командой"),
        ("/setrules", None, "Напишите правила"),
        ("/unwarn", target.message_id, "нет действующих"),
        ("/cancelvote", None, "Ответьте на сообщение голосования"),
    ]
    for text, reply_to, expected in cases:
        answer = await said(keeper, 101, text, reply_to=reply_to)
        assert expected in text_of(answer), (text, text_of(answer))
    bot_msg = await said(keeper, 1001, "/rules")
    assert "Это я" in text_of(await said(keeper, 101, "/ban", reply_to=bot_msg.message_id))
    assert not emu.calls("banChatMember") and not emu.calls("restrictChatMember")
    # English users get English
    assert text_of(await said(keeper, 1003, "/ban", reply_to=target.message_id)) == "This command is for admins."


async def test_bot_without_rights_says_so(keeper):
    emu = keeper.emu
    emu.set_bot_rights(CHAT_ID, can_pin_messages=True)  # no restrict, no delete
    target = emu.send_message(CHAT_ID, 1005, "hi")
    answer = await said(keeper, 101, "/ban 1d", reply_to=target.message_id)
    assert "не хватает прав" in text_of(answer)
    answer = await said(keeper, 101, "/del", reply_to=target.message_id)
    assert "Не могу удалить" in text_of(answer) or "не хватает прав" in text_of(answer)
    assert emu.member(CHAT_ID, 1005).status == "member" and not emu.is_deleted(CHAT_ID, target.message_id)


async def test_warns_reach_the_limit_then_mute_and_reset(keeper):
    emu = keeper.emu
    target = emu.send_message(CHAT_ID, 1005, "rude")
    for n in (1, 2):
        answer = await said(keeper, 101, f"/warn rude {n}", reply_to=target.message_id)
        assert f"предупреждение {n}/3" in text_of(answer)
    assert not emu.calls("restrictChatMember")
    answer = await said(keeper, 101, "/warn third", reply_to=target.message_id)
    assert "Лимит предупреждений" in text_of(answer) and "1 день" in text_of(answer)
    mute = emu.calls("restrictChatMember")[-1][1]
    assert mute["user_id"] == 1005 and abs(int(mute["until_date"]) - (time.time() + 86400)) < 60
    assert emu.member(CHAT_ID, 1005).status == "restricted"
    # spent: the count starts again
    answer = await said(keeper, 1001, "/warns", reply_to=target.message_id)
    assert "нет действующих" in text_of(answer)
    log = [text_of(m) for m in emu.sent(LOG_CHAT_ID)]
    assert sum("Предупреждение" in x for x in log) == 3 and any("лимит предупреждений" in x for x in log)


async def test_warns_expire(keeper):
    emu = keeper.emu
    target = emu.send_message(CHAT_ID, 1005, "rude")
    await said(keeper, 101, "/warn one", reply_to=target.message_id)
    await said(keeper, 101, "/warn two", reply_to=target.message_id)
    with time_machine.travel(time.time() + 31 * 86400, tick=True):
        answer = await said(keeper, 101, "/warn three", reply_to=target.message_id)
        assert "предупреждение 1/3" in text_of(answer)
        assert not emu.calls("restrictChatMember")


@pytest.mark.settings(flood_messages=5)
async def test_flood_mutes_for_ten_minutes_without_swallowing_commands(keeper):
    emu = keeper.emu
    for i in range(5):
        emu.send_message(CHAT_ID, 1004, f"spam {i}")
    mark = emu.mark()
    emu.send_message(CHAT_ID, 1004, "/rules")
    mute = await emu.wait_for_call("restrictChatMember", since=mark)
    assert mute["user_id"] == 1004 and abs(int(mute["until_date"]) - (time.time() + 600)) < 15
    assert emu.member(CHAT_ID, 1004).status == "restricted"
    await emu.wait_for_sent(lambda m: "Правила" in text_of(m), chat_id=CHAT_ID, since=mark)
    await emu.wait_for_sent(lambda m: "слишком часто" in text_of(m), chat_id=CHAT_ID, since=mark)
    # undo from the log chat lifts it
    entry = await emu.wait_for_sent(lambda m: "антифлуд" in text_of(m), chat_id=LOG_CHAT_ID, since=0)
    undo = entry.reply_markup.inline_keyboard[0][0].callback_data
    emu.press_button(LOG_CHAT_ID, entry.message_id, 100, undo)
    await emu.wait_for_call("restrictChatMember", lambda p: p["permissions"]["can_send_messages"], since=mark)
    await emu.wait_for_sent(lambda m: "Отменено (Boris). Мут снят." in text_of(m), chat_id=LOG_CHAT_ID, since=0)
    assert emu.member(CHAT_ID, 1004).status == "member"


@pytest.mark.settings(flood_messages=5)
async def test_an_english_flooder_gets_a_log_entry_in_one_language(keeper):
    emu = keeper.emu
    for i in range(6):
        emu.send_message(CHAT_ID, 1003, f"spam {i}")
    entry = await emu.wait_for_sent(lambda m: "Мут" in text_of(m), chat_id=LOG_CHAT_ID, since=0)
    assert "Кто: антифлуд" in text_of(entry) and "Причина: больше 5 сообщений за 10 секунд" in text_of(entry)
    assert "anti-flood" not in text_of(entry) and "messages in" not in text_of(entry)


@pytest.mark.settings(flood_messages=5)
async def test_album_counts_once_and_admins_are_exempt(keeper):
    emu = keeper.emu
    for _ in range(10):
        emu.send_message(CHAT_ID, 1004, "pic", photo=True, media_group_id="album-1")
    for i in range(8):
        emu.send_message(CHAT_ID, 101, f"admin {i}")
    await processed(keeper)
    answer = await said(keeper, 1005, "/rules")  # everything before it has been handled
    assert "Правила" in text_of(answer)
    assert not emu.calls("restrictChatMember")
    # the album counted as one message for activity too
    facts = keeper.moderation.store.eligibility(CHAT_ID, 1004, True)
    assert facts.message_count == 1


async def test_report_goes_to_the_log_chat_or_mentions_admins(keeper):
    emu = keeper.emu
    bad = emu.send_message(CHAT_ID, 1006, "<b>insult</b>")
    answer = await said(keeper, 1001, "/report", reply_to=bad.message_id)
    assert "уведомлены" in text_of(answer)
    report = await emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=0)
    assert "Anna" in text_of(report) and "Sergey" in text_of(report) and "<b>insult</b>" in text_of(report)
    # "@admin" in a message works too; without a log chat the admins are mentioned in the chat
    keeper.services.settings.log_chat_id = None
    answer = await said(keeper, 1003, "hey @admin look at this", reply_to=bad.message_id)
    assert "Admins, please take a look" in text_of(answer)
    assert "Maria" in text_of(answer) and "Boris" in text_of(answer)


async def test_calling_admins_without_a_reply_says_who_calls_not_about_whom(keeper):
    emu = keeper.emu
    call = emu.send_message(CHAT_ID, 1001, "@admin тут спам в личке")
    report = await emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=0)
    assert text_of(report).startswith("🚩 Зовут админов: Anna") and "—" not in text_of(report)
    assert f"/{call.message_id}" in emu.html_text(LOG_CHAT_ID, report.message_id)


async def test_undo_a_warn_and_a_vote_kick(keeper):
    emu = keeper.emu
    target = emu.send_message(CHAT_ID, 1005, "x")
    await said(keeper, 101, "/warn x", reply_to=target.message_id)
    entry = await emu.wait_for_sent(lambda m: "Предупреждение" in text_of(m), chat_id=LOG_CHAT_ID, since=0)
    q = emu.press_button(LOG_CHAT_ID, entry.message_id, 101, entry.reply_markup.inline_keyboard[0][0].callback_data)
    await emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == q.id, since=0)
    assert emu.callback_answers[q.id].text == "Предупреждение снято."
    assert "нет действующих" in text_of(await said(keeper, 101, "/warns", reply_to=target.message_id))
    # a second press: already undone
    q2 = emu.press_button(LOG_CHAT_ID, entry.message_id, 101, q.data, check=False)
    await emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == q2.id, since=0)
    assert emu.callback_answers[q2.id].text == "Уже отменено."


async def test_unban_and_unmute_of_someone_free_say_so_and_log_nothing(keeper):
    emu = keeper.emu
    target = emu.send_message(CHAT_ID, 1005, "hi")
    answer = await said(keeper, 101, "/unban", reply_to=target.message_id)
    assert "не в бане" in text_of(answer) and "бан снят" not in text_of(answer)
    answer = await said(keeper, 101, "/unmute", reply_to=target.message_id)
    assert "и так может писать" in text_of(answer)
    assert not emu.calls("unbanChatMember") and not emu.calls("restrictChatMember")
    assert emu.sent(LOG_CHAT_ID) == [] and emu.member(CHAT_ID, 1005).status == "member"


async def test_kick_of_someone_already_banned_keeps_the_ban(keeper):
    emu = keeper.emu
    target = emu.send_message(CHAT_ID, 1005, "hi")
    await said(keeper, 101, "/ban 2d спам", reply_to=target.message_id)
    assert emu.member(CHAT_ID, 1005).status == "kicked"
    answer = await said(keeper, 101, "/kick @petr")
    assert "не в чате" in text_of(answer)
    assert emu.member(CHAT_ID, 1005).status == "kicked" and not emu.calls("unbanChatMember")


async def test_a_username_names_its_current_holder_only(keeper):
    from aiogram.types import User

    moderation = keeper.moderation
    moderation.remember(User(id=5000, is_bot=False, first_name="Old", username="cool"))
    moderation.remember(User(id=900000, is_bot=False, first_name="New", username="Cool"))
    assert moderation.known.by_username("@cool") == 900000


@pytest.mark.settings(flood_messages=5)
async def test_flooding_as_ones_own_channel_bans_that_channel_here(keeper):
    emu = keeper.emu
    emu.add_channel(-1009990001, "Anna's channel")
    for i in range(6):
        emu.send_message(CHAT_ID, 1001, f"реклама {i}", sender_chat_id=-1009990001)
    ban = await emu.wait_for_call("banChatSenderChat", since=0)
    assert int(ban["sender_chat_id"]) == -1009990001
    await emu.wait_for_sent(lambda m: "от имени этого канала" in text_of(m), chat_id=CHAT_ID, since=0)
    assert not emu.calls("restrictChatMember")  # Anna herself is not muted
