"""The adapter's one clock. Handlers, jobs and middlewares ask it for the time (and pass
`now` on to the libraries); the sandbox and tests set or move it instead of patching time.
Waits that belong to Telegram's time (send pacing, retry_after) sleep on it too."""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time


class Clock:
    """Wall time plus an offset: `Clock()` is real time, `Clock(start=ts)` starts at `ts` and runs on."""

    def __init__(self, start: float | None = None):
        self.offset = 0.0 if start is None else start - time.time()

    def now(self) -> float:
        return time.time() + self.offset

    def set(self, timestamp: float) -> None:
        self.offset = timestamp - time.time()

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def to_wall(self, timestamp: float) -> float:
        """The wall-clock moment at which this clock will read `timestamp` (for schedulers
        that run on wall time)."""
        return timestamp - self.offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


class StillClock(Clock):
    """A clock that moves only when told (tests, benches): `sleep` returns once `advance` or
    `set` has carried the time past its end, so a minute of Telegram's pacing takes no real time."""

    def __init__(self, start: float):
        # no super().__init__(): the offset is derived from `at` here, not stored
        self.at = start
        self.sleepers: list[tuple[float, int, asyncio.Future]] = []
        self.order = itertools.count()

    def now(self) -> float:
        return self.at

    @property
    def offset(self) -> float:
        return self.at - time.time()

    def set(self, timestamp: float) -> None:
        self.at = timestamp
        while self.sleepers and self.sleepers[0][0] <= self.at:
            future = heapq.heappop(self.sleepers)[2]
            if not future.done():
                future.set_result(None)

    def advance(self, seconds: float) -> None:
        self.set(self.at + seconds)

    def next_wake(self) -> float | None:
        """When the earliest sleeper is due (None: nobody sleeps)."""
        while self.sleepers and self.sleepers[0][2].done():  # cancelled waits
            heapq.heappop(self.sleepers)
        return self.sleepers[0][0] if self.sleepers else None

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self.sleepers, (self.at + seconds, next(self.order), future))
        await future
