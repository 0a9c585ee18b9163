"""Plain values passed between the archive and its callers."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entity:
    """A Bot API message entity; offset and length count UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    user_id: int | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> "Entity":
        user = data.get("user") or {}
        return cls(
            type=data["type"],
            offset=int(data["offset"]),
            length=int(data["length"]),
            url=data.get("url"),
            user_id=data.get("user_id") or user.get("id"),
            language=data.get("language"),
            custom_emoji_id=data.get("custom_emoji_id"),
        )


@dataclass
class IncomingPost:
    """One channel message as it reaches the archive (from an export or live)."""

    channel_id: int
    message_id: int
    date: int
    text: str = ""
    entities: list[Entity] = field(default_factory=list)
    edit_date: int | None = None
    forwarded_from: str | None = None
    media_group_id: str | None = None
    media: str | None = None
    reactions: dict[str, int] | None = None
    source: str = "live"


@dataclass(frozen=True)
class Post:
    """A stored post, as callers read it."""

    id: int
    channel_id: int
    message_id: int
    date: int
    text: str
    entities: list[Entity]
    title: str
    hashtags: list[str]
    links: list[str]
    edit_date: int | None
    forwarded_from: str | None
    media: str | None
    reactions: dict[str, int]
    version: int
    url: str | None


@dataclass(frozen=True)
class WriteResult:
    """What writing a post did: 'created', 'updated' (an edit), or 'unchanged'."""

    status: str
    post_id: int
    version: int
