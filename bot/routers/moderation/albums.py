"""Recent albums in the community chat. An album comes as one message per photo, and only one
of them carries the caption: it counts as one message for the newcomer window, and when its
captioned part is removed as spam every part goes with it, those already here and those
still on their way."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

KEEP_SECONDS = 300.0  # how long an album is remembered
MAX_ALBUMS = 2000


@dataclass
class Album:
    first_seen: float
    parts: list[int] = field(default_factory=list)
    counted: bool = False
    removed: bool = False


class Albums:
    """The parts of recent albums per chat, whether each was counted, and which were removed."""

    def __init__(self):
        self._albums: OrderedDict[tuple[int, str], Album] = OrderedDict()

    def _album(self, chat_id: int, group: str, now: float) -> Album:
        album = self._albums.get((chat_id, group))
        if album is None:
            self._forget_old(now)
            album = self._albums[(chat_id, group)] = Album(now)
        return album

    def arrived(self, chat_id: int, group: str, message_id: int, now: float) -> bool:
        """Remember a part; True when its album was removed already (so this part must go too)."""
        album = self._album(chat_id, group, now)
        if message_id not in album.parts:
            album.parts.append(message_id)
        return album.removed

    def count_once(self, chat_id: int, group: str, now: float) -> bool:
        """True the first time the album is counted as a message, False for its other parts."""
        album = self._album(chat_id, group, now)
        first, album.counted = not album.counted, True
        return first

    def remove(self, chat_id: int, group: str, now: float) -> list[int]:
        """Mark the album removed; the parts that came so far."""
        album = self._album(chat_id, group, now)
        album.removed = True
        return list(album.parts)

    def _forget_old(self, now: float) -> None:
        while self._albums and (len(self._albums) >= MAX_ALBUMS
                                or now - next(iter(self._albums.values())).first_seen > KEEP_SECONDS):
            self._albums.popitem(last=False)
