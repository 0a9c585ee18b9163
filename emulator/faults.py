"""Injected failures and Telegram's flood limits, both driven by the emulator's clock."""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .errors import ApiError

_DEFAULT_TEXT = {
    400: "Bad Request: injected fault", 403: "Forbidden: bot was blocked by the user",
    404: "Not Found", 409: "Conflict: injected fault", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable",
}
SENDING = {"sendmessage", "sendphoto", "senddocument", "sendmediagroup", "copymessage",
           "forwardmessage", "sendpoll", "sendanimation", "sendvideo", "sendaudio", "sendvoice",
           "sendsticker", "sendlocation", "sendcontact", "senddice", "copymessages", "forwardmessages"}


@dataclass
class Fault:
    method: str | None  # None: any method
    status: int = 500
    description: str | None = None
    retry_after: int | None = None
    times: int | None = 1  # None: forever
    drop: bool = False  # close the connection without answering
    chat_id: int | str | None = None

    def matches(self, method: str, params: dict) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)

    def error(self) -> ApiError:
        if self.status == 429:
            n = self.retry_after or 1
            return ApiError(429, self.description or f"Too Many Requests: retry after {n}", n)
        return ApiError(self.status, self.description or _DEFAULT_TEXT.get(self.status, "Error"),
                        self.retry_after)


class Faults:
    """emu.faults.add(method="sendMessage", status=429, retry_after=1, times=1)."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []
        self.fired: list[tuple[str, Fault]] = []

    def add(self, method: str | None = None, status: int = 500, description: str | None = None,
            retry_after: int | None = None, times: int | None = 1, drop: bool = False,
            chat_id: int | str | None = None) -> Fault:
        fault = Fault(method, status, description, retry_after, times, drop, chat_id)
        self.rules.append(fault)
        return fault

    def clear(self) -> None:
        self.rules.clear()

    def take(self, method: str, params: dict) -> Fault | None:
        for fault in self.rules:
            if fault.matches(method, params):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.rules.remove(fault)
                self.fired.append((method, fault))
                return fault
        return None


class RateLimiter:
    """~30 sends/s overall and ~20 sends/min per group; answers 429 with retry_after."""

    def __init__(self, clock, per_second: int = 30, per_group_minute: int = 20) -> None:
        self.clock = clock
        self.enabled = False
        self.per_second = per_second
        self.per_group_minute = per_group_minute
        self._all: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def check(self, method: str, chat_id: int | None, is_group: bool) -> None:
        if not self.enabled or method.lower() not in SENDING:
            return
        now = self.clock()
        _expire(self._all, now - 1.0)
        if len(self._all) >= self.per_second:
            raise _retry(self._all[0] + 1.0 - now)
        window = self._groups.setdefault(chat_id, deque()) if is_group else None
        if window is not None:
            _expire(window, now - 60.0)
            if len(window) >= self.per_group_minute:
                raise _retry(window[0] + 60.0 - now)
            window.append(now)
        self._all.append(now)


def _expire(window: deque, before: float) -> None:
    while window and window[0] <= before:
        window.popleft()


def _retry(seconds: float) -> ApiError:
    n = max(1, math.ceil(seconds))
    return ApiError(429, f"Too Many Requests: retry after {n}", n)
