"""Anti-flood: more than ``max_messages`` in ``window`` seconds -> mute for ``mute_seconds``.

A sliding window per (chat, user) kept in memory; an album (messages sharing a
media_group_id) counts as one message; admins are exempt (the caller says so).
Idle keys are evicted, and the table never holds more than ``max_keys`` users.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FloodRule:
    max_messages: int = 5
    window: float = 10.0
    mute_seconds: int = 600

    def __post_init__(self):
        if self.max_messages < 1 or self.window <= 0 or self.mute_seconds < 30:
            raise ValueError("max_messages >= 1, window > 0, mute_seconds >= 30 (Telegram minimum)")


@dataclass(frozen=True)
class FloodVerdict:
    flooding: bool  # True exactly once per burst: mute now
    count: int  # messages counted in the current window
    mute_seconds: int | None = None


@dataclass
class _Track:
    times: deque = field(default_factory=deque)  # timestamps of counted messages
    groups: dict = field(default_factory=dict)  # media_group_id -> first seen
    last: float = 0.0


class FloodCounter:
    def __init__(self, rule: FloodRule | None = None, max_keys: int = 10_000):
        self.rule = rule or FloodRule()
        self.max_keys = max_keys
        self._tracks: OrderedDict[tuple[int, int], _Track] = OrderedDict()
        self._last_sweep = float("-inf")

    def __len__(self) -> int:
        return len(self._tracks)

    def hit(self, chat_id: int, user_id: int, now: float, *,
            media_group_id: str | None = None, exempt: bool = False) -> FloodVerdict:
        """Count one incoming message and say whether the sender is flooding."""
        if exempt:
            return FloodVerdict(False, 0)
        rule = self.rule
        self._sweep(now)
        key = (chat_id, user_id)
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = _Track()
            if len(self._tracks) > self.max_keys:
                self._tracks.popitem(last=False)  # least recently active
        else:
            self._tracks.move_to_end(key)
        track.last = now
        horizon = now - rule.window
        while track.times and track.times[0] <= horizon:
            track.times.popleft()
        for gid in [g for g, t in track.groups.items() if t <= horizon]:
            del track.groups[gid]
        if media_group_id is not None:
            if media_group_id in track.groups:
                return FloodVerdict(False, len(track.times))
            track.groups[media_group_id] = now
        track.times.append(now)
        count = len(track.times)
        if count > rule.max_messages:
            track.times.clear()  # one mute per burst, not one per further message
            return FloodVerdict(True, count, rule.mute_seconds)
        return FloodVerdict(False, count)

    def forget(self, chat_id: int, user_id: int) -> None:
        self._tracks.pop((chat_id, user_id), None)

    def _sweep(self, now: float) -> None:
        """Drop users idle for a whole window; at most once per window."""
        if now - self._last_sweep < self.rule.window:
            return
        self._last_sweep = now
        horizon = now - self.rule.window
        for key in [k for k, t in self._tracks.items() if t.last <= horizon]:
            del self._tracks[key]
