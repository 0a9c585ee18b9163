"""Votekick end to end: start, vote, pass/fail/expire, switching sides, races, restart."""
from __future__ import annotations

import asyncio
import time

import pytest
import time_machine

from bot.routers.moderation.votekick import VoteButton, sweep
from sandbox.keeper import CHAT_ID, LOG_CHAT_ID

from tests.bot.helpers import chat, said, text_of
from tests.bot.moderation.helpers import quiet

pytestmark = quiet

SPAMMER = 1006


def data(vote_id: int, op: str) -> str:
    return VoteButton(vid=vote_id, op=op).pack()


async def start_vote(keeper, initiator=1001, target=SPAMMER, reason="spam"):
    """target writes an offending message; initiator (with enough messages) replies /votekick."""
    bad = keeper.emu.send_message(CHAT_ID, target, "buy crypto now")
    await chat(keeper, initiator, 3)
    poll = await said(keeper, initiator, f"/votekick {reason}", reply_to=bad.message_id)
    return bad, poll


def vote_id(keeper) -> int:
    [vote] = keeper.moderation.votes.open_votes()
    return vote.id


async def test_vote_passes_kicks_with_a_24h_ban_deletes_the_message(keeper):
    emu = keeper.emu
    await chat(keeper, 1002, 3)
    bad, poll = await start_vote(keeper)
    assert "Голосование" in text_of(poll) and "spam" in text_of(poll)
    buttons = [b.text for row in poll.reply_markup.inline_keyboard for b in row]
    assert buttons[:2] == ["Исключить (1/2)", "Оставить (0/2)"]
    mark = emu.mark()
    emu.press_button(CHAT_ID, poll.message_id, 1002, data(vote_id(keeper), "kick"))
    ban = await emu.wait_for_call("banChatMember", since=mark)
    assert ban["user_id"] == SPAMMER and abs(int(ban["until_date"]) - (time.time() + 86400)) < 60
    edited = await emu.wait_for_sent(lambda m: "Итог" in text_of(m), chat_id=CHAT_ID, since=0)
    assert edited.reply_markup is None and "Anna" in text_of(edited) and "Ivan" in text_of(edited)
    assert emu.member(CHAT_ID, SPAMMER).status == "kicked"
    assert emu.is_deleted(CHAT_ID, bad.message_id)


async def press(keeper, poll, user_id, op, vid=None):
    """Press a vote button; returns the callback answer text."""
    q = keeper.emu.press_button(CHAT_ID, poll.message_id, user_id, data(vid or vote_id(keeper), op))
    for _ in range(200):
        if q.id in keeper.emu.callback_answers:
            return keeper.emu.callback_answers[q.id].text
        await asyncio.sleep(0.01)
    raise AssertionError("no callback answer")


@pytest.mark.settings(votekick_threshold=3)
async def test_keep_wins_and_switching_sides_moves_the_vote(keeper):
    emu = keeper.emu
    for u in (1002, 1003, 1004):
        await chat(keeper, u, 3)
    bad, poll = await start_vote(keeper)
    assert await press(keeper, poll, 1002, "kick") == "Голос учтён: исключить."
    assert await press(keeper, poll, 1002, "kick") == "Вы уже голосовали: исключить."
    assert await press(keeper, poll, 1002, "keep") == "Голос перенесён: оставить."
    assert await press(keeper, poll, 1003, "keep") == "Counted: keep."  # John is English
    # counts on the buttons follow: kick 1 (initiator), keep 2 (the popup comes before the edit)
    assert await keeper.settle()
    msg = emu.message(CHAT_ID, poll.message_id)
    assert [b.text for b in msg.reply_markup.inline_keyboard[0]] == ["Исключить (1/3)", "Оставить (2/3)"]
    await press(keeper, poll, 1004, "keep")
    closed = await emu.wait_for_sent(lambda m: "Итог" in text_of(m), chat_id=CHAT_ID, since=0)
    assert "Итог: голосование решило оставить." in text_of(closed)
    assert not emu.calls("banChatMember") and emu.member(CHAT_ID, SPAMMER).status == "member"
    assert not emu.is_deleted(CHAT_ID, bad.message_id)


async def test_vote_expires_after_ttl_via_the_sweep(keeper):
    emu = keeper.emu
    bad, poll = await start_vote(keeper)
    with time_machine.travel(time.time() + 1801, tick=True):
        closed = await sweep(keeper.bot, keeper.moderation)
        assert [c.status for c in closed] == ["expired"]
        msg = emu.message(CHAT_ID, poll.message_id)
        assert "время вышло" in text_of(msg) and msg.reply_markup is None
        # a late press (a stale keyboard) changes nothing
        q = emu.press_button(CHAT_ID, poll.message_id, 1002, data(closed[0].vote.id, "kick"), check=False)
        await emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == q.id, since=0)
        assert emu.callback_answers[q.id].text == "Голосование уже закрыто."
    assert not emu.calls("banChatMember")


@pytest.mark.settings(votekick_threshold=3)
async def test_concurrent_presses_punish_once(keeper):
    emu = keeper.emu
    voters = (1002, 1003, 1004, 1005)
    for u in voters:
        await chat(keeper, u, 3)
    bad, poll = await start_vote(keeper)
    vid = vote_id(keeper)
    queries = [emu.press_button(CHAT_ID, poll.message_id, u, data(vid, "kick")) for u in voters]
    await emu.wait_for_call("banChatMember", since=0)
    for _ in range(300):
        if all(q.id in emu.callback_answers for q in queries):
            break
        await asyncio.sleep(0.01)
    assert len(emu.calls("banChatMember")) == 1
    answers = [emu.callback_answers[q.id].text for q in queries]
    assert sum("завершено" in a or "is closed" in a for a in answers) == 1, answers
    assert sum("уже закрыто" in a for a in answers) >= 1
    logged = await emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=0)
    assert "Исключение" in text_of(logged) and "голосование" in text_of(logged)
    assert len(keeper.moderation.audit.list(CHAT_ID)) == 1
    assert len(emu.sent(LOG_CHAT_ID)) == 1


async def test_newcomers_and_quiet_members_cannot_vote_or_start(keeper):
    emu = keeper.emu
    await chat(keeper, 1004, 2)  # one short of K=3
    bad, poll = await start_vote(keeper)
    # quiet member
    assert "не меньше 3 ваших сообщений" in await press(keeper, poll, 1004, "kick")
    # someone who joins after the vote started, however chatty
    emu.leave(CHAT_ID, 1999)
    emu.join(CHAT_ID, 1999)
    await chat(keeper, 1999, 4)
    assert "до начала" in await press(keeper, poll, 1999, "kick")
    # a member with no messages at all cannot start one
    other = emu.send_message(CHAT_ID, 1005, "hello")
    reply = await said(keeper, 1002, "/votekick", reply_to=other.message_id)
    assert "не меньше 3 ваших сообщений" in text_of(reply)
    # the target cannot vote about themselves
    await chat(keeper, SPAMMER, 3)
    assert "о своём исключении" in await press(keeper, poll, SPAMMER, "keep")
    # a voter who left the chat is re-checked at press time
    await chat(keeper, 1005, 3)
    emu.leave(CHAT_ID, 1005)
    assert "участники" in await press(keeper, poll, 1005, "kick")
    assert not emu.calls("banChatMember")


@pytest.mark.settings(votekick_threshold=3)
async def test_open_vote_survives_a_restart_and_still_completes(keeper):
    emu = keeper.emu
    for u in (1002, 1003):
        await chat(keeper, u, 3)
    bad, poll = await start_vote(keeper)
    await press(keeper, poll, 1002, "kick")
    await keeper.restart()
    mark = emu.mark()
    await press(keeper, poll, 1003, "kick")
    await emu.wait_for_call("banChatMember", lambda p: p["user_id"] == SPAMMER, since=mark)
    assert emu.member(CHAT_ID, SPAMMER).status == "kicked"


async def test_expiry_survives_a_restart(keeper):
    emu = keeper.emu
    bad, poll = await start_vote(keeper)
    await keeper.stop_bot()
    with time_machine.travel(time.time() + 3600, tick=True):
        await keeper.start_bot()  # the startup sweep closes it
        msg = await emu.wait_for_sent(lambda m: "время вышло" in text_of(m), chat_id=CHAT_ID, since=0)
        assert msg.message_id == poll.message_id


async def test_one_open_vote_per_target_and_cooldown_and_pause(keeper):
    emu = keeper.emu
    await chat(keeper, 1002, 3)
    bad, poll = await start_vote(keeper)
    again = await said(keeper, 1002, "/votekick", reply_to=bad.message_id)
    assert "уже идёт" in text_of(again)
    # the initiator's cooldown
    other = emu.send_message(CHAT_ID, 1005, "meh")
    cool = await said(keeper, 1001, "/votekick", reply_to=other.message_id)
    assert "недавно начинали" in text_of(cool)
    # pass the first vote -> chat-wide pause
    await press(keeper, poll, 1002, "kick")
    await emu.wait_for_call("banChatMember", since=0)
    paused = await said(keeper, 1002, "/votekick", reply_to=other.message_id)
    assert "Новые голосования" in text_of(paused)


async def test_protected_targets(keeper):
    emu = keeper.emu
    await chat(keeper, 1001, 3)
    cases = []
    cases.append((emu.send_message(CHAT_ID, 101, "admin speaking").message_id, "нельзя исключить"))
    cases.append((emu.send_message(CHAT_ID, 100, "owner speaking").message_id, "нельзя исключить"))
    cases.append((emu.send_message(CHAT_ID, 101, "anon", sender_chat_id=CHAT_ID).message_id, "нельзя исключить"))
    cases.append((emu.send_message(CHAT_ID, 1001, "me myself").message_id, "против себя"))
    bot_msg = await said(keeper, 1001, "/rules")
    cases.append((bot_msg.message_id, "нельзя исключить"))
    emu.link_discussion(-1001394778475, CHAT_ID)
    emu.post_to_channel(-1001394778475, "a channel post")
    fwd = [m for m in emu.messages(CHAT_ID) if m.is_automatic_forward][-1]
    cases.append((fwd.message_id, "нельзя исключить"))
    for message_id, expected in cases:
        answer = await said(keeper, 1001, "/votekick", reply_to=message_id)
        assert expected in text_of(answer), (message_id, text_of(answer))
    no_reply = await said(keeper, 1001, "/votekick")
    assert "Ответьте на сообщение" in text_of(no_reply)
    assert not keeper.moderation.votes.open_votes()


async def test_channel_identity_is_voted_out_with_ban_chat_sender_chat(keeper):
    emu = keeper.emu
    emu.add_channel(-1007777, "Spam channel", "spamchan")
    await chat(keeper, 1002, 3)
    bad = emu.send_message(CHAT_ID, SPAMMER, "promo", sender_chat_id=-1007777)
    await chat(keeper, 1001, 3)
    poll = await said(keeper, 1001, "/votekick promo", reply_to=bad.message_id)
    assert "Spam channel" in text_of(poll)
    await press(keeper, poll, 1002, "kick")
    call = await emu.wait_for_call("banChatSenderChat", since=0)
    assert call["sender_chat_id"] == -1007777 and not emu.calls("banChatMember")
    assert emu.member(CHAT_ID, SPAMMER).status == "member"


async def test_anonymous_admin_and_channel_cannot_start_votes(keeper):
    emu = keeper.emu
    bad = emu.send_message(CHAT_ID, SPAMMER, "x")
    anon = await said(keeper, 101, "/votekick", reply_to=bad.message_id, sender_chat_id=CHAT_ID)
    assert "Анонимный администратор" in text_of(anon)
    emu.add_channel(-1008888, "Someone's channel")
    chan = await said(keeper, 1002, "/votekick", reply_to=bad.message_id, sender_chat_id=-1008888)
    assert "не от канала" in text_of(chan)


async def test_admin_commands_on_a_vote(keeper):
    emu = keeper.emu
    bad, poll = await start_vote(keeper)
    denied = await said(keeper, 1002, "/cancelvote", reply_to=poll.message_id)
    assert "для администраторов" in text_of(denied)
    mark = emu.mark()
    emu.send_message(CHAT_ID, 101, "/decide keep", reply_to=bad.message_id)
    closed = await emu.wait_for_sent(lambda m: "Итог: оставить — решение администратора" in text_of(m),
                                     chat_id=CHAT_ID, since=0)
    assert "Maria" in text_of(closed) and not emu.calls("banChatMember")
    assert keeper.moderation.votes.get(1).status == "decided"


@pytest.mark.settings(votekick_threshold=2, votekick_outcome="mute 1h")
async def test_vote_outcome_is_configurable(keeper):
    emu = keeper.emu
    await chat(keeper, 1002, 3)
    bad, poll = await start_vote(keeper)
    assert "Если исключат: мут на 1 час." in text_of(poll)
    await press(keeper, poll, 1002, "kick")
    mute = await emu.wait_for_call("restrictChatMember", since=0)
    assert mute["user_id"] == SPAMMER and abs(int(mute["until_date"]) - (time.time() + 3600)) < 60
    assert emu.member(CHAT_ID, SPAMMER).status == "restricted" and not emu.calls("banChatMember")


async def test_the_vote_card_reads_as_plain_russian_from_start_to_result(keeper):
    emu = keeper.emu
    await chat(keeper, 1002, 3)
    bad, poll = await start_vote(keeper)
    lines = text_of(poll).split("\n")
    assert lines[0] == "🗳 Голосование: исключить Sergey?" and lines[1] == "Инициатор: Anna"
    assert lines[-2].startswith("Нужно 2 голоса за «исключить» или «оставить». Голосование до ")
    assert lines[-1] == "Если исключат, вернуться можно будет через 1 день."
    await press(keeper, poll, 1002, "kick")
    closed = await emu.wait_for_sent(lambda m: "Итог" in text_of(m), chat_id=CHAT_ID, since=0)
    assert text_of(closed).split("\n")[-2:] == [
        "Итог: исключение по голосованию, вернуться можно через 1 день.", "Исключить (2): Anna, Ivan"]
    for text in (text_of(poll), text_of(closed)):
        assert "дн." not in text and "(а)" not in text and "одну сторону" not in text


async def test_a_vote_kick_is_undone_by_letting_the_person_back(keeper):
    emu = keeper.emu
    await chat(keeper, 1002, 3)
    bad, poll = await start_vote(keeper)
    await press(keeper, poll, 1002, "kick")
    entry = await emu.wait_for_sent(lambda m: "Исключение" in text_of(m), chat_id=LOG_CHAT_ID, since=0)
    assert "Вернуться можно через 1 день" in text_of(entry) and "Срок" not in text_of(entry)
    [[undo]] = entry.reply_markup.inline_keyboard
    assert undo.text == "↩️ Разрешить вернуться"
    assert emu.member(CHAT_ID, SPAMMER).status == "kicked"
    q = emu.press_button(LOG_CHAT_ID, entry.message_id, 101, undo.callback_data)
    await emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == q.id, since=0)
    assert emu.callback_answers[q.id].text == "Запрет на возвращение снят."
    assert emu.member(CHAT_ID, SPAMMER).status == "left"  # free to come back, not let in by force
    edited = emu.message(LOG_CHAT_ID, entry.message_id)
    assert text_of(edited).endswith("↩️ Отменено (Maria). Запрет на возвращение снят.")


async def test_the_bot_is_named_when_it_cannot_be_voted_out(keeper):
    await chat(keeper, 1001, 3)
    bot_msg = await said(keeper, 1001, "/rules")
    answer = await said(keeper, 1001, "/votekick", reply_to=bot_msg.message_id)
    me = await keeper.bot.me()
    assert text_of(answer) == f"{me.first_name} нельзя исключить голосованием."
    assert "bot" not in text_of(answer)


async def test_a_press_on_a_vote_whose_time_ran_out_says_so(keeper):
    emu = keeper.emu
    await chat(keeper, 1002, 3)
    bad, poll = await start_vote(keeper)
    with time_machine.travel(time.time() + 1801, tick=True):  # before the sweep noticed
        assert await press(keeper, poll, 1002, "kick") == "Время голосования вышло."
        closed = await emu.wait_for_sent(lambda m: "Итог" in text_of(m), chat_id=CHAT_ID, since=0)
        assert "Итог: время вышло, голосов не хватило." in text_of(closed)
    assert not emu.calls("banChatMember") and emu.member(CHAT_ID, SPAMMER).status == "member"
