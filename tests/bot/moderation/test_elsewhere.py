"""Moderation commands sent where they do not work get told where they do, not silence."""
from __future__ import annotations

import pytest

from sandbox.keeper import CHAT_ID, LOG_CHAT_ID

from tests.bot.helpers import said, text_of
from tests.bot.moderation.helpers import quiet

pytestmark = quiet


@pytest.mark.parametrize("command", ["/warns", "/votekick спам", "/ban 1005", "/mute 1h", "/report", "/cancelvote"])
async def test_a_moderation_command_in_private_says_where_it_works(keeper, command):
    answer = await said(keeper, 1001, command, chat_id=1001)
    assert text_of(answer) == "Эта команда работает в чате сообщества."
    assert not keeper.emu.calls("banChatMember") and not keeper.emu.calls("restrictChatMember")
    assert not keeper.moderation.votes.open_votes()


async def test_in_english_and_in_another_group_too(keeper):
    answer = await said(keeper, 1003, "/warns", chat_id=1003)
    assert text_of(answer) == "This command works in the community chat."
    answer = await said(keeper, 101, "/ban 1005", chat_id=LOG_CHAT_ID)
    assert text_of(answer) == "Эта команда работает в чате сообщества."
    assert keeper.emu.member(CHAT_ID, 1005).status == "member"


async def test_other_commands_in_private_are_not_caught(keeper):
    answer = await said(keeper, 1001, "/help", chat_id=1001)
    assert "Команды" in text_of(answer)
