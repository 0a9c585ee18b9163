"""The weekly digest: one record per ISO week (the once-a-week guarantee) and the window it covers."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from archive.digest import week_bounds, week_key

DAY = 86400
WEEK = 7 * DAY
MAX_GAP = 14 * DAY  # a digest never reaches further back than this


class DigestStatus(StrEnum):
    SENDING = "sending"  # the week is claimed; a failed send gives the claim back
    SENT = "sent"
    EMPTY = "empty"  # nothing new that week: no digest, and the week is done


@dataclass(frozen=True)
class DigestRecord:
    week_key: str  # "2025-W11"
    since: int
    until: int
    status: DigestStatus
    chat_id: int | None = None
    message_id: int | None = None
    created_at: int | None = None


def digest_window(last: DigestRecord | None, now: float, tz: str) -> tuple[int, int]:
    """[since, until): from the end of the last digest (if within two weeks); else from the
    start of this ISO week (if at least 3 days ago), else from a week back."""
    until = int(now)
    if last and until - MAX_GAP <= last.until < until:
        return last.until, until
    week_start, _ = week_bounds(week_key(until, tz), tz)
    return (week_start if until - week_start >= 3 * DAY else until - WEEK), until
