"""The adapter's long-lived objects, handed to handlers as the dispatcher value `services`
(aiogram dependency injection: a handler declares `services: Services`). The moderation
feature's objects travel beside it as `moderation` (bot/routers/moderation/context.py)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import sqlite_utils

from archive.models import IncomingPost, WriteResult
from archive.query import Query
from archive.search import SearchHit, SearchService
from archive.store import Archive
from bot.clock import Clock
from bot.settings import Settings


@dataclass
class Services:
    settings: Settings
    archive: Archive
    searcher: SearchService  # handlers search through `search` below, off the event loop
    clock: Clock = field(default_factory=Clock)
    bot_username: str = ""

    @property
    def db(self) -> sqlite_utils.Database:
        return self.archive.db

    async def search(self, query: Query, offset: int, limit: int) -> tuple[list[SearchHit], bool]:
        """One page of hits and whether another page follows; runs off the event loop."""
        page = await asyncio.to_thread(
            self.searcher.search, query.text, limit=limit + 1, offset=offset,
            since=query.since, until=query.until, hashtag=query.hashtag)
        hits = list(page.hits)
        return hits[:limit], len(hits) > limit

    async def ingest(self, post: IncomingPost) -> WriteResult:
        """Store a channel message and index it (encoding off the event loop)."""
        return await asyncio.to_thread(self.searcher.ingest, post)

    def close(self) -> None:
        self.archive.close()
