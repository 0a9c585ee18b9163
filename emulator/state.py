"""Plain records the emulator keeps; aiogram objects are built from them on demand."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    Message,
    User,
)

from .models import build

STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
PRESENT = ("creator", "administrator", "member", "restricted")


@dataclass
class ChatRecord:
    chat: Chat
    linked_chat_id: int | None = None
    permissions: dict[str, bool] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    next_message_id: int = 1
    banned_sender_chats: set[int] = field(default_factory=set)
    description: str | None = None

    @property
    def type(self) -> str:
        return self.chat.type


@dataclass
class MemberRecord:
    status: str = "left"
    rights: dict[str, Any] = field(default_factory=dict)  # admin rights or restricted permissions
    until_date: int = 0
    joined_at: int | None = None
    is_member: bool = True  # for "restricted"
    promoted_by_bot: bool = False
    custom_title: str | None = None

    @property
    def present(self) -> bool:
        return self.status in PRESENT and (self.status != "restricted" or self.is_member)

    def to_aiogram(self, user: User):
        if self.status == "creator":
            return ChatMemberOwner(user=user, is_anonymous=bool(self.rights.get("is_anonymous")),
                                   custom_title=self.custom_title)
        if self.status == "administrator":
            rights = {k: v for k, v in self.rights.items() if k in ChatMemberAdministrator.model_fields}
            return build(ChatMemberAdministrator, user=user, can_be_edited=self.promoted_by_bot,
                         custom_title=self.custom_title, **rights)
        if self.status == "member":
            return ChatMemberMember(user=user)
        if self.status == "restricted":
            perms = {k: v for k, v in self.rights.items() if k in ChatMemberRestricted.model_fields}
            return build(ChatMemberRestricted, user=user, is_member=self.is_member,
                         until_date=self.until_date, **perms)
        if self.status == "kicked":
            return ChatMemberBanned(user=user, until_date=self.until_date)
        return ChatMemberLeft(user=user)


@dataclass
class MessageRecord:
    message: Message
    by_bot: bool
    seq: int
    deleted: bool = False
    source_text: str | None = None  # text/caption exactly as the bot sent it (e.g. raw HTML)
    parse_mode: str | None = None
    markup: Any = None  # any reply_markup, including reply keyboards Telegram does not echo


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class CallbackAnswer:
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None


@dataclass
class InlineAnswer:
    results: list  # aiogram InlineQueryResult* objects (raw dicts if a type is unknown)
    next_offset: str | None = None
    cache_time: int | None = None
    is_personal: bool = False
    button: dict | None = None


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
