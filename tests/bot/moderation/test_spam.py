"""The newcomer spam check end to end: the real bot, the real model (USE), the Bot API emulator."""
from __future__ import annotations

import threading

import pytest

from bot.routers.moderation.audit import UndoButton
from bot.settings import SettingsError, load_settings
from emulator.errors import EmulatorError
from sandbox.keeper import CHAT_ID, LOG_CHAT_ID

from tests.bot.helpers import processed, said, text_of
from tests.bot.moderation.helpers import QUIET

pytestmark = pytest.mark.settings(**{**QUIET, "spam_check": True})

SCAM = "Нужны люди на удалёнку, от 3000$ в неделю, без опыта. Пиши в лс"
JOB_POST = "Кто ищет работу? Есть вакансии, пишите мне"  # removed at first: ham the model has not seen
TAUGHT = "Ищу девушек для фотосессий в купальниках, оплата в тот же день"  # spam the model has not seen
PARAPHRASE = "Приглашаем девушек на съёмки в купальниках, платим сразу после съёмки"
DOUBTFUL = "Канал с сигналами по крипте: @signals_daily"  # between the thresholds
WEAK_ADMIN = 1005  # promoted below with the right to delete but not to restrict


async def newcomer(keeper, user_id: int, name: str) -> int:
    """Someone joins the chat now (the bot sees the join)."""
    keeper.emu.add_user(user_id, name, name.lower(), "ru")
    keeper.emu.join(CHAT_ID, user_id)
    await processed(keeper)
    return user_id


async def post(keeper, user_id: int, text: str):
    """`user_id` writes `text`; returns (their message, the bot's report in the log chat)."""
    mark = keeper.emu.mark()
    message = keeper.emu.send_message(CHAT_ID, user_id, text)
    return message, await keeper.emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=mark, timeout=30)


async def post_as(keeper, user_id: int, channel_id: int, text: str):
    """`post`, written as the channel `channel_id`."""
    mark = keeper.emu.mark()
    message = keeper.emu.send_message(CHAT_ID, user_id, text, sender_chat_id=channel_id)
    return message, await keeper.emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=mark, timeout=30)


async def press(keeper, report, user_id: int, button: int) -> str:
    """Press «Это не спам» (0) or «Бан» (1) under a report as it was sent; returns the answer shown."""
    data = report.reply_markup.inline_keyboard[0][button].callback_data
    query = keeper.emu.press_button(LOG_CHAT_ID, report.message_id, user_id, data, check=False)
    await keeper.emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == query.id, since=0)
    return keeper.emu.callback_answers[query.id].text


def samples(keeper) -> list[tuple[str, int]]:
    return [(r["text"], r["is_spam"]) for r in keeper.services.db["spam_samples"].rows]


async def test_a_newcomers_scam_is_removed_and_they_are_muted_before_a_second_message(keeper):
    emu = keeper.emu
    spammer = await newcomer(keeper, 2001, "Spammer")
    scam, report = await post(keeper, spammer, SCAM)
    assert emu.is_deleted(CHAT_ID, scam.message_id)
    assert emu.member(CHAT_ID, spammer).status == "restricted"
    with pytest.raises(EmulatorError, match="restricted"):
        emu.send_message(CHAT_ID, spammer, "и ещё раз")
    text = text_of(report)
    assert "Спам от новичка удалён" in text and "Spammer" in text and SCAM in text
    assert "обещает заработок («3000$ в неделю»)" in text and "зовёт в личку («в лс»)" in text
    assert [b.text for b in report.reply_markup.inline_keyboard[0]] == ["✅ Это не спам", "⛔ Бан"]
    # the removed message never counted as activity, and both actions are in the audit log
    assert keeper.moderation.store.activity(CHAT_ID, spammer)[0] == 0
    assert [(r.action, r.source, r.outcome) for r in keeper.moderation.audit.list(CHAT_ID)] == [
        ("mute", "spam", "done"), ("del", "spam", "done")]


async def test_a_spam_album_goes_whole_and_a_members_album_stays(keeper):
    emu = keeper.emu
    spammer = await newcomer(keeper, 2010, "Alb")
    mark = emu.mark()
    before = emu.send_message(CHAT_ID, spammer, None, photo=True, media_group_id="scam")
    captioned = emu.send_message(CHAT_ID, spammer, SCAM, photo=True, media_group_id="scam")
    after = emu.send_message(CHAT_ID, spammer, None, photo=True, media_group_id="scam")
    await emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=mark, timeout=30)
    await keeper.settle()
    assert [emu.is_deleted(CHAT_ID, m.message_id) for m in (before, captioned, after)] == [True, True, True]
    # a regular's album with the same caption is not the check's business
    for text in ("Привет", "Как дела?", "Отлично"):
        emu.send_message(CHAT_ID, 1002, text)
    await keeper.settle()
    album = [emu.send_message(CHAT_ID, 1002, SCAM if i == 0 else None, photo=True, media_group_id="trip")
             for i in range(3)]
    await keeper.settle()
    assert not any(emu.is_deleted(CHAT_ID, m.message_id) for m in album)


async def test_spam_written_as_a_new_channel_bans_that_channel_and_not_spam_lifts_it(keeper):
    emu = keeper.emu
    member = await newcomer(keeper, 2011, "Owner")
    emu.add_channel(-1009990011, "Crypto Signals")
    scam, report = await post_as(keeper, member, -1009990011, SCAM)
    assert emu.is_deleted(CHAT_ID, scam.message_id)
    assert int(emu.calls("banChatSenderChat")[-1][1]["sender_chat_id"]) == -1009990011
    assert not emu.calls("restrictChatMember")  # the person may still write as themselves
    assert "Crypto Signals" in text_of(report)
    assert [(r.action, r.target_kind) for r in keeper.moderation.audit.list(CHAT_ID)] == [
        ("ban", "chat"), ("del", "chat")]
    assert await press(keeper, report, 101, 0) == "Готово. Пример запомнил."
    assert int(emu.calls("unbanChatSenderChat")[-1][1]["sender_chat_id"]) == -1009990011


async def test_a_channel_that_has_written_before_is_a_regular(keeper):
    emu = keeper.emu
    emu.add_channel(-1009990012, "Anna's notes")
    for text in ("Всем привет", "Интересный пост", "Согласна"):
        emu.send_message(CHAT_ID, 1001, text, sender_chat_id=-1009990012)
    await keeper.settle()
    again = emu.send_message(CHAT_ID, 1001, SCAM, sender_chat_id=-1009990012)
    await keeper.settle()
    assert not emu.is_deleted(CHAT_ID, again.message_id) and not emu.calls("banChatSenderChat")


async def test_spam_as_a_reply_to_a_channels_message_bans_the_channel_and_teaches(keeper):
    emu = keeper.emu
    emu.add_channel(-1009990013, "Promo")
    for text in ("Всем привет", "Интересный пост", "Согласна"):  # a regular: the check lets it be
        emu.send_message(CHAT_ID, 1001, text, sender_chat_id=-1009990013)
    promo = emu.send_message(CHAT_ID, 1001, TAUGHT, sender_chat_id=-1009990013)
    await keeper.settle()
    assert not emu.is_deleted(CHAT_ID, promo.message_id)
    answer = await said(keeper, 101, "/spam", reply_to=promo.message_id)
    assert "Promo" in text_of(answer) and emu.is_deleted(CHAT_ID, promo.message_id)
    assert int(emu.calls("banChatSenderChat")[-1][1]["sender_chat_id"]) == -1009990013
    assert samples(keeper) == [(TAUGHT, 1)]


async def test_not_spam_lets_them_write_asks_them_to_repost_and_teaches(keeper):
    emu = keeper.emu
    member = await newcomer(keeper, 2002, "Lena")
    _, report = await post(keeper, member, JOB_POST)
    mark = emu.mark()
    assert await press(keeper, report, 101, 0) == "Готово. Пример запомнил."
    assert emu.member(CHAT_ID, member).status == "member"
    asked = await emu.wait_for_sent(lambda m: "Lena" in text_of(m), chat_id=CHAT_ID, since=mark)
    assert "отправьте его, пожалуйста, ещё раз" in text_of(asked)
    decided = emu.message(LOG_CHAT_ID, report.message_id)
    assert "Maria: не спам" in text_of(decided) and decided.reply_markup is None
    assert samples(keeper) == [(JOB_POST, 0)]
    [restriction] = [r for r in keeper.moderation.audit.list(CHAT_ID) if r.action == "mute"]
    assert restriction.undone
    # the lesson holds: the same post now stays
    again = emu.send_message(CHAT_ID, member, JOB_POST)
    await keeper.settle()
    assert not emu.is_deleted(CHAT_ID, again.message_id)
    assert emu.member(CHAT_ID, member).status == "member"


async def test_spam_command_teaches_and_a_paraphrase_is_then_caught(keeper):
    emu = keeper.emu
    first, second, third = [await newcomer(keeper, uid, name)
                             for uid, name in ((2003, "Alla"), (2004, "Bella"), (2005, "Vera"))]
    before = emu.send_message(CHAT_ID, first, PARAPHRASE)  # unknown kind of spam: not caught yet
    taught = emu.send_message(CHAT_ID, second, TAUGHT)
    await keeper.settle()
    assert not emu.is_deleted(CHAT_ID, before.message_id) and not emu.is_deleted(CHAT_ID, taught.message_id)

    mark = emu.mark()
    command = emu.send_message(CHAT_ID, 101, "/spam", reply_to=taught.message_id)
    answer = await emu.wait_for_sent(chat_id=CHAT_ID, since=mark)
    assert "Пример запомнил" in text_of(answer) and "Bella" in text_of(answer)
    assert emu.member(CHAT_ID, second).status == "kicked"
    assert emu.is_deleted(CHAT_ID, taught.message_id) and emu.is_deleted(CHAT_ID, command.message_id)
    assert samples(keeper) == [(TAUGHT, 1)]
    entry = await emu.wait_for_sent(lambda m: "Бан" in text_of(m), chat_id=LOG_CHAT_ID, since=mark)
    assert "антиспам" in text_of(entry) and "Maria" in text_of(entry)

    caught = emu.send_message(CHAT_ID, third, PARAPHRASE)  # no restart in between
    report = await emu.wait_for_sent(lambda m: "Спам от новичка" in text_of(m), chat_id=LOG_CHAT_ID, since=mark)
    assert emu.is_deleted(CHAT_ID, caught.message_id) and emu.member(CHAT_ID, third).status == "restricted"
    assert "похоже на известный спам («Ищу девушек" in text_of(report)


async def test_undoing_a_spam_ban_forgets_the_example(keeper):
    emu = keeper.emu
    member, other = await newcomer(keeper, 2006, "Gleb"), await newcomer(keeper, 2011, "Fedor")
    taught = emu.send_message(CHAT_ID, member, TAUGHT)
    await keeper.settle()
    mark = emu.mark()
    await said(keeper, 101, "/spam", reply_to=taught.message_id)
    entry = await emu.wait_for_sent(lambda m: "Бан" in text_of(m), chat_id=LOG_CHAT_ID, since=mark)
    [[undo]] = entry.reply_markup.inline_keyboard
    assert UndoButton.unpack(undo.callback_data).rid == keeper.moderation.audit.list(CHAT_ID)[0].id
    emu.press_button(LOG_CHAT_ID, entry.message_id, 100, undo.callback_data)
    await emu.wait_for_call("unbanChatMember", since=mark)
    await keeper.settle()
    assert emu.member(CHAT_ID, member).status == "left" and samples(keeper) == []
    paraphrase = emu.send_message(CHAT_ID, other, PARAPHRASE)  # caught while the example was known
    await keeper.settle()
    assert not emu.is_deleted(CHAT_ID, paraphrase.message_id)


async def test_regulars_and_admins_are_never_touched(keeper):
    emu = keeper.emu
    for text in ("Всем привет!", "Кто читал про leakage?", "Спасибо"):  # Anna (the bot never saw her
        emu.send_message(CHAT_ID, 1001, text)  # join) writes her third message...
    await keeper.settle()
    assert keeper.moderation.store.activity(CHAT_ID, 1001)[0] == 3
    mark = emu.mark()
    link = emu.send_message(CHAT_ID, 1001, SCAM + " https://t.me/+abcdEFG")  # ...then anything, links too
    by_admin = emu.send_message(CHAT_ID, 101, SCAM)
    await keeper.settle()
    assert not emu.is_deleted(CHAT_ID, link.message_id) and not emu.is_deleted(CHAT_ID, by_admin.message_id)
    assert emu.member(CHAT_ID, 1001).status == "member"
    assert not [m for m in emu.sent()[mark.sent:] if m.chat.id == LOG_CHAT_ID]
    assert not emu.calls("restrictChatMember")
    assert keeper.moderation.store.activity(CHAT_ID, 1001)[0] == 4  # counted as usual


async def test_a_doubtful_message_stays_and_the_admins_are_asked(keeper):
    emu = keeper.emu
    member = await newcomer(keeper, 2007, "Dima")
    message, report = await post(keeper, member, DOUBTFUL)
    assert "Похоже на спам" in text_of(report) and "упоминание аккаунта («@signals_daily»)" in text_of(report)
    assert not emu.is_deleted(CHAT_ID, message.message_id) and emu.member(CHAT_ID, member).status == "member"
    assert keeper.moderation.store.activity(CHAT_ID, member)[0] == 1  # kept, so counted
    mark = emu.mark()
    assert await press(keeper, report, 100, 1) == "Забанен. Пример запомнил."
    assert emu.member(CHAT_ID, member).status == "kicked" and emu.is_deleted(CHAT_ID, message.message_id)
    assert samples(keeper) == [(DOUBTFUL, 1)]
    entry = await emu.wait_for_sent(lambda m: "Бан" in text_of(m), chat_id=LOG_CHAT_ID, since=mark)
    assert entry.reply_markup.inline_keyboard[0][0].callback_data.startswith("mu:")  # with Undo
    # a report is decided once: a second admin's press from before the buttons went away
    assert await press(keeper, report, 101, 0) == "По этому сообщению уже решили."
    assert emu.member(CHAT_ID, member).status == "kicked"


async def test_a_message_edited_into_spam_right_after_posting_is_removed(keeper):
    emu = keeper.emu
    member = await newcomer(keeper, 2008, "Egor")
    hello = emu.send_message(CHAT_ID, member, "Всем привет!")
    await keeper.settle()
    mark = emu.mark()
    emu.edit_message(CHAT_ID, hello.message_id, member, SCAM)
    report = await emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=mark, timeout=30)
    assert emu.is_deleted(CHAT_ID, hello.message_id) and emu.member(CHAT_ID, member).status == "restricted"
    assert "исправлено сразу после отправки" in text_of(report)


@pytest.mark.parametrize("presser, refusal", [
    (1001, "Это команда для администраторов."),
    (WEAK_ADMIN, "Нужно право администратора «Блокировка пользователей»."),
    (101, "Это команда для администраторов."),  # demoted a moment ago; the bot's cache still says admin
])
async def test_the_buttons_refuse_whoever_may_not_restrict_at_the_moment_of_pressing(keeper, presser, refusal):
    emu = keeper.emu
    emu.promote(CHAT_ID, WEAK_ADMIN, can_delete_messages=True)
    await processed(keeper)
    spammer = await newcomer(keeper, 2009, "Spammer")
    _, report = await post(keeper, spammer, SCAM)
    if presser == 101:
        emu.set_member(CHAT_ID, 101, "member")  # no update: only a fresh look sees it
    for button in (0, 1):
        assert await press(keeper, report, presser, button) == refusal
    assert emu.member(CHAT_ID, spammer).status == "restricted" and samples(keeper) == []
    assert keeper.spam.reports.get(1).status == "open"
    assert await press(keeper, report, 100, 1) == "Забанен. Пример запомнил."  # the owner may
    assert emu.member(CHAT_ID, spammer).status == "kicked"


async def test_the_bot_answers_others_while_a_check_runs(keeper):
    """The check runs in a worker thread: held there, it holds up nothing but its own message."""
    emu = keeper.emu
    spammer = await newcomer(keeper, 2010, "Spammer")
    model, held = keeper.spam.filter.model, threading.Event()
    encode = model.encode
    model.encode = lambda texts: held.wait(30) and encode(texts)
    try:
        scam = emu.send_message(CHAT_ID, spammer, SCAM)
        await processed(keeper)
        answer = await said(keeper, 101, "/rules")  # answered while the check is held
        assert "Правила" in text_of(answer)
        assert not emu.is_deleted(CHAT_ID, scam.message_id)
        assert keeper.moderation.store.activity(CHAT_ID, spammer)[0] == 0  # not counted before its verdict
        mark = emu.mark()
    finally:
        held.set()
    await emu.wait_for_sent(chat_id=LOG_CHAT_ID, since=mark, timeout=30)
    assert emu.is_deleted(CHAT_ID, scam.message_id) and emu.member(CHAT_ID, spammer).status == "restricted"
    model.encode = encode


def test_thresholds_out_of_order_are_one_clear_settings_error():
    with pytest.raises(SettingsError, match="KEEPER_SPAM_LOW: .*must not exceed KEEPER_SPAM_HIGH"):
        load_settings(_env_file=None, spam_high=0.6, spam_low=0.7)
