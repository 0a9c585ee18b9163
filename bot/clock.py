"""The adapter's one clock. Handlers, jobs and middlewares ask it for the time (and pass
`now` on to the libraries); the sandbox and tests set or move it instead of patching time."""
from __future__ import annotations

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
