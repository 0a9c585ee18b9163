"""End-to-end moderation tests: the real bot against the Bot API emulator (OfflineKeeper)."""
from __future__ import annotations

import contextlib

import pytest

from archive.embeddings import FakeEmbedder
from sandbox.keeper import CHAT_ID, OfflineKeeper

# Quiet defaults for tests: no background sweeps (tests call sweep), no accidental flood,
# no spam check judging the tests' made-up messages (tests/bot/test_spam.py turns it on).
QUIET = dict(votekick_sweep_seconds=3600, flood_messages=50, spam_check=False)


@pytest.fixture
def make_world(tmp_path):
    """`async with make_world(votekick_threshold=2) as world:`"""

    @contextlib.asynccontextmanager
    async def make(**overrides):
        async with OfflineKeeper(tmp_path / "keeper.db", embedder=FakeEmbedder(), **{**QUIET, **overrides}) as world:
            yield world

    return make


@pytest.fixture
async def world(make_world):
    async with make_world(votekick_threshold=2) as w:
        yield w


async def processed(world) -> None:
    """Every update queued so far has been taken by the bot (and its first step has run:
    counting happens there, before any handler awaits)."""
    last = world.emu.updates.next_id - 1
    await world.emu.wait_for_call("getUpdates", lambda p: int(p.get("offset") or 0) > last, since=0, timeout=10)


async def chat(world, user_id: int, n: int = 3, chat_id: int = CHAT_ID) -> list:
    """`user_id` writes n ordinary messages."""
    msgs = [world.emu.send_message(chat_id, user_id, f"message {i} from {user_id}") for i in range(n)]
    await processed(world)
    return msgs


async def said(world, user_id: int, text: str, *, reply_to: int | None = None, sender_chat_id: int | None = None,
               chat_id: int = CHAT_ID, timeout: float = 5):
    """Send `text` and return the bot's first message in that chat after it."""
    mark = world.emu.mark()
    world.emu.send_message(chat_id, user_id, text, reply_to=reply_to, sender_chat_id=sender_chat_id)
    return await world.emu.wait_for_sent(chat_id=chat_id, since=mark, timeout=timeout)


def text_of(message) -> str:
    return message.text or message.caption or ""
