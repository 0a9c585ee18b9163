"""Votekick end to end: start, vote, pass/fail/expire, switching sides, races, restart."""
from __future__ import annotations

import asyncio
import time

import time_machine

from bot.routers.moderation.votekick import VoteButton, sweep
from bot.world import CHAT_ID

from .conftest import chat, processed, said, text_of

SPAMMER = 1006


def data(vote_id: int, op: str) -> str:
    return VoteButton(vid=vote_id, op=op).pack()


async def start_vote(world, initiator=1001, target=SPAMMER, reason="spam"):
    """target writes an offending message; initiator (with enough messages) replies /votekick."""
    bad = world.emu.send_message(CHAT_ID, target, "buy crypto now")
    await chat(world, initiator, 3)
    poll = await said(world, initiator, f"/votekick {reason}", reply_to=bad.message_id)
    return bad, poll


def vote_id(world) -> int:
    [vote] = world.services.extras["moderation"].votes.open_votes()
    return vote.id


async def test_vote_passes_kicks_with_a_24h_ban_deletes_the_message(world):
    emu = world.emu
    await chat(world, 1002, 3)
    bad, poll = await start_vote(world)
    assert "Голосование" in text_of(poll) and "spam" in text_of(poll)
    buttons = [b.text for row in poll.reply_markup.inline_keyboard for b in row]
    assert buttons[:2] == ["Исключить (1/2)", "Оставить (0/2)"]
    mark = emu.mark()
    emu.press_button(CHAT_ID, poll.message_id, 1002, data(vote_id(world), "kick"))
    ban = await emu.wait_for_call("banChatMember", since=mark)
    assert ban["user_id"] == SPAMMER and abs(int(ban["until_date"]) - (time.time() + 86400)) < 60
    edited = await emu.wait_for_sent(lambda m: "Итог" in text_of(m), chat_id=CHAT_ID, since=0)
    assert edited.reply_markup is None and "Anna" in text_of(edited) and "Ivan" in text_of(edited)
    assert emu.member(CHAT_ID, SPAMMER).status == "kicked"
    assert emu.is_deleted(CHAT_ID, bad.message_id)
