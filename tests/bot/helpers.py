"""Helpers the end-to-end bot tests share: talking to the bot through the emulator and waiting for it."""
from __future__ import annotations

import asyncio

from sandbox.keeper import CHAT_ID, OfflineKeeper
from tests.sample import load_sample as import_sample


def load_sample(keeper: OfflineKeeper) -> None:
    """The sample export into a running keeper's archive, encoded for the hybrid search."""
    import_sample(keeper.services.archive)
    keeper.services.searcher.embed_pending()


async def processed(keeper: OfflineKeeper) -> None:
    """Every update queued so far has been taken by the bot (and its first step has run:
    counting happens there, before any handler awaits)."""
    last = keeper.emu.updates.next_id - 1
    await keeper.emu.wait_for_call("getUpdates", lambda p: int(p.get("offset") or 0) > last, since=0, timeout=10)


async def chat(keeper: OfflineKeeper, user_id: int, n: int = 3, chat_id: int = CHAT_ID) -> list:
    """`user_id` writes n ordinary messages."""
    msgs = [keeper.emu.send_message(chat_id, user_id, f"message {i} from {user_id}") for i in range(n)]
    await processed(keeper)
    return msgs


async def said(keeper: OfflineKeeper, user_id: int, text: str, *, reply_to: int | None = None,
               sender_chat_id: int | None = None, chat_id: int = CHAT_ID, timeout: float = 5):
    """Send `text` and return the bot's first message in that chat after it."""
    mark = keeper.emu.mark()
    keeper.emu.send_message(chat_id, user_id, text, reply_to=reply_to, sender_chat_id=sender_chat_id)
    return await keeper.emu.wait_for_sent(chat_id=chat_id, since=mark, timeout=timeout)


def text_of(message) -> str:
    return message.text or message.caption or ""


async def eventually(check, timeout: float = 5.0):
    """Wait until `check()` is truthy (for work the bot does after an update without sending)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)
