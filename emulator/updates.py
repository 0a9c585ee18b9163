"""The pending-update queue with getUpdates semantics, and a wake-up signal."""
from __future__ import annotations

import asyncio

from aiogram.types import Update

# Telegram's default when allowed_updates was never given.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """Wakes every waiter on fire(); waiters re-check their condition (no lost wake-ups in one loop)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


class UpdateQueue:
    def __init__(self) -> None:
        self.pending: list[Update] = []
        self.next_id = 1
        self.allowed: list[str] | None = None  # persisted like Telegram's setting
        self.signal = Signal()

    def push(self, **payload) -> Update:
        update = Update(update_id=self.next_id, **payload)
        self.next_id += 1
        self.pending.append(update)
        self.signal.fire()
        return update

    def set_allowed(self, allowed: list[str] | None) -> None:
        if allowed is not None:
            self.allowed = list(allowed)

    def is_allowed(self, update: Update) -> bool:
        kind = update.event_type
        if not self.allowed:  # None or [] both mean "the default set"
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def confirm(self, offset: int | None) -> None:
        """offset > 0 confirms every update below it; offset < 0 keeps only the last -offset."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u.update_id >= offset]

    def ready(self, limit: int = 100) -> list[Update]:
        """Deliverable updates; updates of types not allowed are discarded, as Telegram does."""
        self.pending = [u for u in self.pending if self.is_allowed(u)]
        return self.pending[:limit]

    def clear(self) -> None:
        self.pending.clear()
