"""Dialogue state (aiogram FSM) in the bot's SQLite file, so a restart loses no dialogue."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey


def _key(key: StorageKey) -> str:
    return ":".join(str(part) for part in (key.bot_id, key.chat_id, key.user_id, key.thread_id,
                                           key.business_connection_id, key.destiny))


class SQLiteStorage(BaseStorage):
    """State and data per (bot, chat, user, thread); data must be JSON-serialisable."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def _row(self, key: StorageKey) -> tuple[str | None, dict]:
        row = self.db.execute("SELECT state, data FROM fsm WHERE key = ?", [_key(key)]).fetchone()
        return (row[0], json.loads(row[1])) if row else (None, {})

    def _write(self, key: StorageKey, state: str | None, data: dict) -> None:
        with self.db.conn:
            if state is None and not data:
                self.db.execute("DELETE FROM fsm WHERE key = ?", [_key(key)])
            else:
                self.db.execute("INSERT OR REPLACE INTO fsm (key, state, data) VALUES (?, ?, ?)",
                                [_key(key), state, json.dumps(data, ensure_ascii=False)])

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        self._write(key, state.state if isinstance(state, State) else state, self._row(key)[1])

    async def get_state(self, key: StorageKey) -> str | None:
        return self._row(key)[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        self._write(key, self._row(key)[0], dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return self._row(key)[1]

    async def close(self) -> None:
        pass
