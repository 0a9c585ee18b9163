"""/ban and /mute terms as admins type them, permanent punishments said plainly, kicks logged
as kicks, ids the bot has never seen: end to end, as the admin and the log chat see them."""
from __future__ import annotations

import time

import pytest

from sandbox.keeper import CHAT_ID, LOG_CHAT_ID

from tests.bot.helpers import said, text_of
from tests.bot.moderation.helpers import quiet

pytestmark = quiet

HOUR, DAY, WEEK = 3600, 86400, 7 * 86400
PETR = 1005


async def punish(keeper, command: str):
    """Maria answers Petr's fresh message with ``command``; returns her reply and the log entry
    it made (None if none)."""
    emu = keeper.emu
    emu.set_member(CHAT_ID, PETR, "member")
    logged = len(emu.sent(LOG_CHAT_ID))
    target = emu.send_message(CHAT_ID, PETR, "hi")
    answer = await said(keeper, 101, command, reply_to=target.message_id)
    entries = emu.sent(LOG_CHAT_ID)[logged:]
    return text_of(answer), (text_of(entries[0]) if entries else None)


@pytest.mark.parametrize("command, status, seconds, said_term, reason", [
    ("/mute час", "restricted", HOUR, "мут на 1 час", ""),
    ("/mute полчаса флуд", "restricted", HOUR // 2, "мут на 30 минут", "флуд"),
    ("/mute сутки", "restricted", DAY, "мут на 1 день", ""),
    ("/mute hour", "restricted", HOUR, "мут на 1 час", ""),
    ("/mute 1 час 30 минут оскорбления", "restricted", HOUR * 3 // 2, "мут на 1 час 30 минут", "оскорбления"),
    ("/ban неделю", "kicked", WEEK, "бан на 1 неделю", ""),
    ("/ban день реклама", "kicked", DAY, "бан на 1 день", "реклама"),
])
async def test_a_term_in_words_is_a_term(keeper, command, status, seconds, said_term, reason):
    answer, entry = await punish(keeper, command)
    member = keeper.emu.member(CHAT_ID, PETR)
    assert member.status == status
    assert abs(member.until_date.timestamp() - (time.time() + seconds)) < 60  # not for ever
    assert said_term in answer and "навсегда" not in answer
    assert (f"Причина: {reason}" in answer) == bool(reason)
    assert "Срок: " in entry and "навсегда" not in entry


@pytest.mark.parametrize("command, first_line", [
    ("/mute abc", "Не вижу срока в «abc»."),
    ("/mute флуд и спам", "Не вижу срока в «флуд и спам»."),
    ("/mute", "На сколько?"),
])
async def test_a_mute_without_a_term_is_refused_with_examples(keeper, command, first_line):
    answer, entry = await punish(keeper, command)
    assert answer.startswith(first_line) and "/mute 30 минут флуд" in answer and "/mute навсегда" in answer
    assert keeper.emu.member(CHAT_ID, PETR).status == "member" and entry is None
    assert not keeper.emu.calls("restrictChatMember")


async def test_a_permanent_mute_or_ban_says_so(keeper):
    answer, entry = await punish(keeper, "/mute навсегда флуд")
    assert answer.startswith("✅ Petr: мут навсегда.") and "Срок: навсегда" in entry
    assert keeper.emu.member(CHAT_ID, PETR).until_date.timestamp() == 0
    answer, entry = await punish(keeper, "/ban спамер")  # no term: for ever, and the reply says why
    assert answer.startswith("✅ Petr: бан навсегда.\nПричина: спамер\nСрок не указан — значит, навсегда.")
    assert "/unban" in answer and "Срок: навсегда" in entry
    assert keeper.emu.member(CHAT_ID, PETR).status == "kicked"
    answer, _ = await punish(keeper, "/ban навсегда")  # said on purpose: no lecture
    assert answer == "✅ Petr: бан навсегда."


async def test_english_admins_get_the_same_rules_in_english(keeper):
    emu = keeper.emu
    emu.set_member(CHAT_ID, 1003, "administrator", {"can_restrict_members": True})
    target = emu.send_message(CHAT_ID, PETR, "hi")
    answer = await said(keeper, 1003, "/mute spam", reply_to=target.message_id)
    assert text_of(answer).startswith('I see no term in "spam". Give the mute a term:')
    answer = await said(keeper, 1003, "/mute hour", reply_to=target.message_id)
    assert text_of(answer) == "✅ Petr: muted for 1 hour."


async def test_a_kick_is_logged_as_a_kick_with_nothing_to_undo(keeper):
    answer, entry = await punish(keeper, "/kick спам")
    assert answer.startswith("👢 Petr: исключение из чата. Это не бан: вернуться можно сразу.")
    assert keeper.emu.member(CHAT_ID, PETR).status == "left"  # out, and free to come back
    assert "Исключение" in entry and "Без бана: вернуться можно сразу" in entry
    assert "Срок" not in entry and "навсегда" not in entry
    [log_message] = [m for m in keeper.emu.sent(LOG_CHAT_ID) if "Исключение" in text_of(m)]
    assert log_message.reply_markup is None  # no Undo that would "unban" someone not banned


async def test_an_unknown_numeric_id_is_said_to_be_unknown(keeper):
    answer = text_of(await said(keeper, 101, "/ban 424242 спам"))
    assert answer.startswith("Id 424242 мне незнаком: этого человека я в чате не видел.")
    assert "укажите числовой id" not in answer
    assert not keeper.emu.calls("banChatMember")
    # an @username it has not seen still asks for the id
    assert "укажите числовой id" in text_of(await said(keeper, 101, "/ban @nobody"))


async def test_an_admin_target_is_refused_without_guessing_their_gender(keeper):
    admin_msg = keeper.emu.send_message(CHAT_ID, 101, "hello")
    answer = await said(keeper, 100, "/mute 1h", reply_to=admin_msg.message_id)
    assert text_of(answer) == "Maria — администратор, к администраторам это не применяется."
    assert keeper.emu.member(CHAT_ID, 101).status == "administrator"
