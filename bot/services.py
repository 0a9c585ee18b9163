"""The long-lived objects handlers need, injected through the dispatcher as `services`."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import sqlite_utils

from archive.models import IncomingPost, WriteResult
from archive.query import Query
from archive.store import Archive
from bot.clock import Clock
from bot.settings import Settings


@dataclass
class Services:
    settings: Settings
    archive: Archive
    searcher: object  # archive.search.SearchService
    bot_username: str = ""
    clock: Clock = field(default_factory=Clock)
    extras: dict = field(default_factory=dict)

    @property
    def db(self) -> sqlite_utils.Database:
        return self.archive.db

    async def search(self, query: Query, offset: int, limit: int):
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
