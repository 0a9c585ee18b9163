"""Posts written to the bot for the channel: their statuses and the moves allowed between them.

A post is a draft until its author publishes, schedules or cancels it. Publishing is
claimed first (the post moves to `publishing`), so a double tap or a job running twice
sends it once; the send then settles it as `published` or `failed`. Every move the
store makes is checked against `MOVES` here, the one place that says which are allowed.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"  # claimed by a sender; settles as published or failed
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"
    MISSED = "missed"  # its time passed while the bot was down, beyond the grace period


MOVES: dict[PostStatus, frozenset[PostStatus]] = {
    PostStatus.DRAFT: frozenset({PostStatus.PUBLISHING, PostStatus.SCHEDULED, PostStatus.CANCELLED}),
    PostStatus.SCHEDULED: frozenset({PostStatus.PUBLISHING, PostStatus.CANCELLED, PostStatus.FAILED,
                                     PostStatus.MISSED}),
    PostStatus.PUBLISHING: frozenset({PostStatus.PUBLISHED, PostStatus.FAILED}),
    PostStatus.PUBLISHED: frozenset(),
    PostStatus.FAILED: frozenset(),
    PostStatus.CANCELLED: frozenset(),
    PostStatus.MISSED: frozenset(),
}


class IllegalMove(ValueError):
    """A move the state machine does not allow (a bug in the caller, not a race)."""

    def __init__(self, source: PostStatus, target: PostStatus):
        super().__init__(f"a post cannot move from {source.value} to {target.value}")
        self.source, self.target = source, target


def may_move(source: PostStatus, target: PostStatus) -> bool:
    return target in MOVES[source]


def check_move(source: PostStatus, target: PostStatus) -> None:
    if not may_move(source, target):
        raise IllegalMove(source, target)


class PostAction(StrEnum):
    """What the buttons under a draft and in the list of scheduled posts ask for."""

    PUBLISH = "pub"
    SCHEDULE = "sch"  # asks for the time; the post stays a draft until the time is given
    CANCEL = "no"
    UNSCHEDULE = "unsch"

    @property
    def author_only(self) -> bool:
        """Draft buttons are the author's; any channel admin may cancel a scheduled post."""
        return self is not PostAction.UNSCHEDULE


class PostKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True)
class PostContent:
    """What is sent: the text (or caption), its Bot API entities as JSON, the file of a photo or document."""

    kind: PostKind
    text: str
    entities: str = "[]"
    file_id: str | None = None

    def preview(self, chars: int) -> str:
        """One line: "[kind] " for media, then the text squeezed to `chars` characters."""
        text = " ".join(self.text.split())
        short = text[:chars] + ("…" if len(text) > chars else "")
        return short if self.kind is PostKind.TEXT else f"[{self.kind.value}] {short}"


@dataclass(frozen=True)
class PostRecord:
    id: int
    author_id: int
    lang: str  # the author's language: what the bot tells them later is in it
    content: PostContent
    status: PostStatus
    publish_at: int | None = None
    channel_message_id: int | None = None
    error: str | None = None
    created_at: int | None = None
    updated_at: int | None = None


def is_too_late(publish_at: int, now: float, grace: int) -> bool:
    """A scheduled post more than `grace` seconds past its time is not published any more."""
    return publish_at + grace < now
