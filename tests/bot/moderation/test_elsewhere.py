"""Moderation commands sent where they do not work get told where they do, not silence."""
from __future__ import annotations

import pytest

from sandbox.keeper import CHAT_ID, LOG_CHAT_ID

from .conftest import said, text_of


@pytest.mark.parametrize("command", ["/warns", "/votekick спам", "/ban 1005", "/mute 1h", "/report", "/cancelvote"])
async def test_a_moderation_command_in_private_says_where_it_works(world, command):
    answer = await said(world, 1001, command, chat_id=1001)
    assert text_of(answer) == "Эта команда работает в чате сообщества."
    assert not world.emu.calls("banChatMember") and not world.emu.calls("restrictChatMember")
    assert not world.moderation.votes.open_votes()


async def test_in_english_and_in_another_group_too(world):
    answer = await said(world, 1003, "/warns", chat_id=1003)
    assert text_of(answer) == "This command works in the community chat."
    answer = await said(world, 101, "/ban 1005", chat_id=LOG_CHAT_ID)
    assert text_of(answer) == "Эта команда работает в чате сообщества."
    assert world.emu.member(CHAT_ID, 1005).status == "member"


async def test_other_commands_in_private_are_not_caught(world):
    answer = await said(world, 1001, "/help", chat_id=1001)
    assert "Команды" in text_of(answer)
