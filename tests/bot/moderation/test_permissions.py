"""Who may do what, end to end: every command and button against every kind of actor."""
from __future__ import annotations

import pytest

from bot.routers.moderation.audit import UndoButton
from bot.routers.moderation.votekick import VoteButton
from sandbox.keeper import ADMIN_RIGHTS, CHAT_ID, LOG_CHAT_ID

from tests.bot.helpers import chat, said, text_of
from tests.bot.moderation.helpers import quiet

pytestmark = quiet

MY_CHANNEL = -1002000000001  # a channel member 1001 can write as
WEAK_ADMIN = 1002  # an admin without restrict/delete/change-info rights

# actor -> (user_id, sender_chat_id)
ACTORS = {
    "member": (1001, None),
    "admin_without_right": (WEAK_ADMIN, None),
    "admin": (101, None),
    "creator": (100, None),
    "anonymous_admin": (101, CHAT_ID),
    "channel_identity": (1001, MY_CHANNEL),
}
ADMIN_COMMANDS = ("ban", "unban", "kick", "mute", "unmute", "warn", "unwarn", "del", "setrules")
EVERYONE_COMMANDS = ("warns", "report")
ALLOWED = {
    "member": set(EVERYONE_COMMANDS),
    "admin_without_right": set(EVERYONE_COMMANDS),
    "admin": set(ADMIN_COMMANDS + EVERYONE_COMMANDS),
    "creator": set(ADMIN_COMMANDS + EVERYONE_COMMANDS),
    "anonymous_admin": set(ADMIN_COMMANDS + EVERYONE_COMMANDS),
    "channel_identity": set(),
}
DENIAL = {
    "member": "для администраторов",
    "admin_without_right": "Нужно право",
    "channel_identity": "не от канала",
}


async def prepare(keeper):
    emu = keeper.emu
    emu.add_channel(MY_CHANNEL, "Anna's channel")
    emu.promote(CHAT_ID, WEAK_ADMIN, can_pin_messages=True, can_invite_users=True)
    emu.set_member(CHAT_ID, 101, "administrator", {**ADMIN_RIGHTS, "is_anonymous": True})
    for u in (1003, 1004, 1005, 1006):
        await chat(keeper, u, 1)


@pytest.mark.parametrize("actor", list(ACTORS))
async def test_command_matrix(keeper, actor):
    emu = keeper.emu
    await prepare(keeper)
    user_id, sender_chat = ACTORS[actor]
    allowed = ALLOWED[actor]
    msg = {u: [m for m in emu.messages(CHAT_ID) if m.from_user and m.from_user.id == u][-1].message_id
           for u in (1003, 1004, 1005, 1006)}

    async def run(command, target_user, args=""):
        return await said(keeper, user_id, f"/{command} {args}".strip(), reply_to=msg[target_user],
                          sender_chat_id=sender_chat)

    def check_denied(command, answer):
        assert command not in allowed
        assert DENIAL[actor] in text_of(answer), (command, text_of(answer))

    # /ban 1h, then /unban
    answer = await run("ban", 1003, "1h spam")
    if "ban" in allowed:
        ban = emu.calls("banChatMember")[-1][1]
        assert ban["user_id"] == 1003 and int(ban["until_date"]) > 0
        assert emu.member(CHAT_ID, 1003).status == "kicked" and "бан на 1 час" in text_of(answer)
    else:
        check_denied("ban", answer)
        assert emu.member(CHAT_ID, 1003).status == "member" and not emu.calls("banChatMember")
    answer = await run("unban", 1003)
    if "unban" in allowed:
        assert emu.member(CHAT_ID, 1003).status == "left" and "бан снят" in text_of(answer)
    else:
        check_denied("unban", answer)
    # /kick
    answer = await run("kick", 1004)
    if "kick" in allowed:
        assert emu.member(CHAT_ID, 1004).status == "left" and "исключение" in text_of(answer)
        assert emu.calls("unbanChatMember")[-1][1]["only_if_banned"] in (True, "true", "True")
    else:
        check_denied("kick", answer)
        assert emu.member(CHAT_ID, 1004).status == "member"
    # /mute 10m, then /unmute
    answer = await run("mute", 1005, "10m")
    if "mute" in allowed:
        assert emu.member(CHAT_ID, 1005).status == "restricted" and "10 минут" in text_of(answer)
    else:
        check_denied("mute", answer)
        assert emu.member(CHAT_ID, 1005).status == "member"
    answer = await run("unmute", 1005)
    if "unmute" in allowed:
        assert emu.member(CHAT_ID, 1005).status == "member" and "снова может писать" in text_of(answer)
    else:
        check_denied("unmute", answer)
    # /warn, /warns, /unwarn
    answer = await run("warn", 1006, "rude")
    if "warn" in allowed:
        assert "предупреждение 1/3" in text_of(answer) and "rude" in text_of(answer)
    else:
        check_denied("warn", answer)
    answer = await run("warns", 1006)
    assert "warns" in allowed or DENIAL[actor] in text_of(answer)
    if "warns" in allowed:
        assert ("1/3" in text_of(answer)) == ("warn" in allowed), text_of(answer)
    answer = await run("unwarn", 1006)
    if "unwarn" in allowed:
        assert "снято" in text_of(answer) and "0/3" in text_of(answer)
    else:
        check_denied("unwarn", answer)
    # /report
    mark = emu.mark()
    answer = await run("report", 1006)
    if "report" in allowed:
        assert "уведомлены" in text_of(answer)
        [report] = [m for m in emu.sent(LOG_CHAT_ID) if "Жалоба" in text_of(m)]
        assert "message 0 from 1006" in text_of(report)
    else:
        check_denied("report", answer)
    # /setrules
    answer = await said(keeper, user_id, "/setrules Be <nice>", sender_chat_id=sender_chat)
    rules = await said(keeper, 1003 if "unban" in allowed else 1004, "/rules")
    if "setrules" in allowed:
        assert "обновлены" in text_of(answer) and "Be <nice>" in text_of(rules)
    else:
        check_denied("setrules", answer)
        assert "Be <nice>" not in text_of(rules)
    # /del (no answer when it works: the message and the command disappear)
    mark = emu.mark()
    command = emu.send_message(CHAT_ID, user_id, "/del", reply_to=msg[1006], sender_chat_id=sender_chat)
    if "del" in allowed:
        await emu.wait_for_call("deleteMessage", lambda p: int(p["message_id"]) == command.message_id, since=mark)
        assert emu.is_deleted(CHAT_ID, msg[1006]) and emu.is_deleted(CHAT_ID, command.message_id)
    else:
        check_denied("del", await emu.wait_for_sent(chat_id=CHAT_ID, since=mark))
        assert not emu.is_deleted(CHAT_ID, msg[1006])


BUTTON_PRESSERS = {"member": 1001, "admin_without_right": WEAK_ADMIN, "admin": 101, "creator": 100}
BUTTON_ALLOWED = {"admin", "creator"}


async def answered(keeper, query) -> str:
    await keeper.emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == query.id, since=0)
    return keeper.emu.callback_answers[query.id].text


@pytest.mark.parametrize("presser", list(BUTTON_PRESSERS))
@pytest.mark.parametrize("op", ["cancel", "decide"])
async def test_vote_admin_buttons(keeper, presser, op):
    emu = keeper.emu
    await prepare(keeper)
    bad = emu.send_message(CHAT_ID, 1006, "spam")
    await chat(keeper, 1001, 3)
    poll = await said(keeper, 1001, "/votekick", reply_to=bad.message_id)
    vid = keeper.moderation.votes.open_votes()[0].id
    query = emu.press_button(CHAT_ID, poll.message_id, BUTTON_PRESSERS[presser], VoteButton(vid=vid, op=op).pack())
    answer = await answered(keeper, query)
    vote = keeper.moderation.votes.get(vid)
    if presser in BUTTON_ALLOWED:
        expected = "cancelled" if op == "cancel" else "decided"
        assert vote.status == expected
        assert answer == {"cancel": "Голосование отменено.", "decide": "Решено: исключить."}[op]  # not "vote counted"
        closed = await emu.wait_for_sent(lambda m: "Итог" in text_of(m), chat_id=CHAT_ID, since=0)
        assert closed.reply_markup is None
        assert (emu.member(CHAT_ID, 1006).status == "kicked") == (op == "decide")
    else:
        assert vote.status == "open" and not emu.calls("banChatMember")
        assert ("для администраторов" if presser == "member" else "Нужно право") in answer


async def test_buttons_are_checked_at_press_time_not_from_the_cache(keeper):
    """An admin demoted without the bot seeing an update is refused at the next press."""
    emu = keeper.emu
    bad = emu.send_message(CHAT_ID, 1006, "spam")
    await chat(keeper, 1001, 3)
    poll = await said(keeper, 1001, "/votekick", reply_to=bad.message_id)
    emu.set_member(CHAT_ID, 101, "member")  # silently: the cache still says admin
    vid = keeper.moderation.votes.open_votes()[0].id
    query = emu.press_button(CHAT_ID, poll.message_id, 101, VoteButton(vid=vid, op="cancel").pack())
    assert "для администраторов" in await answered(keeper, query)
    assert keeper.moderation.votes.get(vid).status == "open"


@pytest.mark.parametrize("presser", list(BUTTON_PRESSERS))
async def test_undo_button_in_the_log_chat(keeper, presser):
    emu = keeper.emu
    await prepare(keeper)
    bad = emu.send_message(CHAT_ID, 1006, "spam")
    await said(keeper, 101, "/ban 1d spam", reply_to=bad.message_id)
    entry = await emu.wait_for_sent(lambda m: "Бан" in text_of(m), chat_id=LOG_CHAT_ID, since=0)
    assert "Maria" in text_of(entry) and "Sergey" in text_of(entry) and "1 день" in text_of(entry)
    [[undo]] = entry.reply_markup.inline_keyboard
    assert undo.callback_data == UndoButton(rid=1).pack()
    query = emu.press_button(LOG_CHAT_ID, entry.message_id, BUTTON_PRESSERS[presser], undo.callback_data)
    answer = await answered(keeper, query)
    if presser in BUTTON_ALLOWED:
        assert answer == "Бан снят." and emu.member(CHAT_ID, 1006).status == "left"
        edited = await emu.wait_for_sent(lambda m: "Отменено (" in text_of(m), chat_id=LOG_CHAT_ID, since=0)
        assert edited.reply_markup is None
    else:
        assert emu.member(CHAT_ID, 1006).status == "kicked" and not emu.calls("unbanChatMember")


async def test_an_anonymous_admin_gets_only_the_rights_every_anonymous_admin_has(keeper):
    emu = keeper.emu
    await prepare(keeper)
    emu.set_member(CHAT_ID, WEAK_ADMIN, "administrator",
                   {"can_pin_messages": True, "is_anonymous": True})  # a weak admin hides too
    target = [m for m in emu.messages(CHAT_ID) if m.from_user and m.from_user.id == 1004][-1]
    answer = await said(keeper, 101, "/ban 1h", reply_to=target.message_id, sender_chat_id=CHAT_ID)
    assert "Нужно право" in text_of(answer) and emu.member(CHAT_ID, 1004).status == "member"


async def test_the_communitys_own_channel_cannot_be_voted_out_or_banned(keeper):
    from sandbox.keeper import CHANNEL_ID

    emu = keeper.emu
    await prepare(keeper)
    comment = emu.send_message(CHAT_ID, 100, "Комментарий от канала", sender_chat_id=CHANNEL_ID)
    answer = await said(keeper, 1004, "/votekick", reply_to=comment.message_id)
    assert "нельзя" in text_of(answer)
    answer = await said(keeper, 101, f"/ban {CHANNEL_ID}")
    assert "не наказывают" in text_of(answer)
    assert not emu.calls("banChatSenderChat")
