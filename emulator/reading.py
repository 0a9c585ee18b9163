"""Reading what the bot did: sent messages, current chat state, API calls, event-based waits."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable

from aiogram.types import Message


@dataclass(frozen=True)
class Mark:
    """A point in the emulator's history: counts of bot-sent messages and API calls so far."""
    sent: int
    calls: int


class ReadingMixin:
    def sent(self, chat_id: int | None = None, *, include_deleted: bool = True) -> list[Message]:
        """Messages the bot sent, in order, in their current state (edits applied)."""
        return [r.message for r in self._sent_records(chat_id, 0)
                if include_deleted or not r.deleted]

    def sent_html(self, chat_id: int | None = None) -> list[str | None]:
        """Text/caption of each sent message exactly as the bot submitted it (raw HTML when parse_mode=HTML)."""
        return [r.source_text for r in self._sent_records(chat_id, 0)]

    def html_text(self, chat_id: int, message_id: int) -> str | None:
        rec = self.messages_by_chat.get(chat_id, {}).get(message_id)
        return None if rec is None else rec.source_text

    def reply_markup(self, chat_id: int, message_id: int) -> Any:
        """Any markup sent with a message, including reply keyboards Telegram does not echo back."""
        rec = self.messages_by_chat.get(chat_id, {}).get(message_id)
        return None if rec is None else rec.markup

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Every message in a chat (users' and the bot's), current state, oldest first."""
        recs = sorted(self.messages_by_chat.get(chat_id, {}).values(), key=lambda r: r.seq)
        return [r.message for r in recs if include_deleted or not r.deleted]

    def message(self, chat_id: int, message_id: int) -> Message | None:
        rec = self.messages_by_chat.get(chat_id, {}).get(message_id)
        return None if rec is None else rec.message

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        rec = self.messages_by_chat.get(chat_id, {}).get(message_id)
        return bool(rec and rec.deleted)

    def calls(self, method: str | None = None) -> list[tuple[str, dict]]:
        """API calls as (method, params). getUpdates is listed only when asked for by name."""
        if method is None:
            return [c for c in self.call_log if c[0] != "getUpdates"]
        return [c for c in self.call_log if c[0].lower() == method.lower()]

    def mark(self) -> Mark:
        return Mark(sent=len(self.sent_log), calls=len(self.call_log))

    async def wait_for_sent(self, predicate: Callable[[Message], bool] | None = None,
                            chat_id: int | None = None, timeout: float = 5.0,
                            since: Mark | int | None = None) -> Message:
        """First bot message sent at/after `since` (default: now) matching chat_id and predicate.

        Take `mark = emu.mark()` before triggering the bot, then wait with since=mark: nothing
        sent in between can be missed. The predicate sees the message's current state.
        """
        start = self._since(since, "sent")

        def find():
            for r in self._sent_records(chat_id, start):
                if predicate is None or predicate(r.message):
                    return r.message
            return None

        return await self._wait(find, self.sent_signal, timeout,
                                lambda: f"no matching message; sent since mark: "
                                        f"{[m.text or m.caption for m in self.sent(chat_id)[start:]]}")

    async def wait_for_call(self, method: str, predicate: Callable[[dict], bool] | None = None,
                            timeout: float = 5.0, since: Mark | int | None = None) -> dict:
        """Params of the first `method` call at/after `since` matching predicate."""
        start = self._since(since, "calls")

        def find():
            for name, params in self.call_log[start:]:
                if name.lower() == method.lower() and (predicate is None or predicate(params)):
                    return params
            return None

        return await self._wait(find, self.calls_signal, timeout,
                                lambda: f"no {method} call; calls since mark: "
                                        f"{[c[0] for c in self.call_log[start:]]}")

    def _since(self, since, field: str) -> int:
        if since is None:
            return getattr(self.mark(), field)
        return getattr(since, field) if isinstance(since, Mark) else int(since)

    def _sent_records(self, chat_id, start: int):
        return [r for r in self.sent_log[start:] if chat_id is None or r.message.chat.id == chat_id]

    @staticmethod
    async def _wait(find, signal, timeout: float, describe):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            left = deadline - loop.time()
            if left <= 0 or not await signal.wait(left):
                found = find()
                if found is not None:
                    return found
                raise TimeoutError(f"after {timeout}s: {describe()}")
