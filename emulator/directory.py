"""Chats, users, members, messages and files: the setup and the lookups every other part uses."""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram.types import Chat, Document, Message, PhotoSize, User

from .errors import EmulatorError, bad_request, forbidden
from .models import CHANNEL_BOT_ID, GROUP_ANONYMOUS_BOT_ID, TELEGRAM_SERVICE_ID
from .state import STATUSES, ChatRecord, FileRecord, MemberRecord, MessageRecord

CHANNEL_BOT_RIGHTS = dict(can_manage_chat=True, can_post_messages=True, can_edit_messages=True,
                          can_delete_messages=True, can_invite_users=True)
SERVICE_USERS = {
    TELEGRAM_SERVICE_ID: dict(first_name="Telegram"),
    GROUP_ANONYMOUS_BOT_ID: dict(first_name="Group", username="GroupAnonymousBot", is_bot=True),
    CHANNEL_BOT_ID: dict(first_name="Channel", username="Channel_Bot", is_bot=True),
}


class DirectoryMixin:
    # ---- setup -------------------------------------------------------------
    def add_user(self, id: int, first_name: str, username: str | None = None,
                 language_code: str | None = None, *, last_name: str | None = None,
                 is_bot: bool = False, started: bool = False) -> User:
        """A person (or bot). `started=True` means they already opened a private chat with the bot."""
        user = User(id=id, is_bot=is_bot, first_name=first_name, last_name=last_name,
                    username=username, language_code=language_code)
        self.users[id] = user
        if started:
            self.started.add(id)
        return user

    def add_channel(self, id: int, title: str, username: str | None = None, *,
                    next_message_id: int = 1, bot_status: str = "administrator",
                    bot_rights: dict | None = None) -> Chat:
        """A channel; the bot is an admin that may post/edit/delete unless told otherwise."""
        chat = Chat(id=id, type="channel", title=title, username=username)
        self.chats[id] = ChatRecord(chat=chat, next_message_id=next_message_id)
        rights = CHANNEL_BOT_RIGHTS if bot_rights is None else bot_rights
        self.members[(id, self.bot_user.id)] = MemberRecord(
            status=bot_status, rights=dict(rights) if bot_status == "administrator" else {})
        return chat

    def add_group(self, id: int, title: str, username: str | None = None,
                  linked_channel_id: int | None = None, *, type: str = "supergroup",
                  permissions: dict | None = None, next_message_id: int = 1,
                  bot_status: str = "member") -> Chat:
        """A (super)group; `linked_channel_id` makes it that channel's discussion group."""
        chat = Chat(id=id, type=type, title=title, username=username)
        perms = permissions if permissions is not None else dict(
            can_send_messages=True, can_send_audios=True, can_send_documents=True,
            can_send_photos=True, can_send_videos=True, can_send_video_notes=True,
            can_send_voice_notes=True, can_send_polls=True, can_send_other_messages=True,
            can_add_web_page_previews=True, can_react_to_messages=True, can_invite_users=True)
        self.chats[id] = ChatRecord(chat=chat, permissions=perms, next_message_id=next_message_id)
        self.members[(id, self.bot_user.id)] = MemberRecord(status=bot_status)
        if linked_channel_id is not None:
            self.link_discussion(linked_channel_id, id)
        return chat

    def link_discussion(self, channel_id: int, group_id: int) -> None:
        """Make group_id the channel's discussion group: its posts are forwarded there automatically."""
        self._chat_record(channel_id).linked_chat_id = group_id
        self._chat_record(group_id).linked_chat_id = channel_id

    def set_member(self, chat_id: int, user_id: int, status: str = "member", rights: dict | None = None,
                   joined_at: int | None = None, *, until_date: int = 0, is_member: bool = True,
                   custom_title: str | None = None):
        """Set someone's membership silently (no update). Returns the aiogram ChatMember."""
        if status not in STATUSES:
            raise EmulatorError(f"unknown status {status!r}")
        self._chat_record(chat_id)
        self._user(user_id)
        self.members[(chat_id, user_id)] = MemberRecord(
            status=status, rights=dict(rights or {}), until_date=until_date,
            joined_at=joined_at if joined_at is not None else int(self.clock()),
            is_member=is_member, custom_title=custom_title)
        return self.member(chat_id, user_id)

    def set_bot_rights(self, chat_id: int, **rights: bool):
        """Make the bot an administrator of chat_id with exactly these rights (others False)."""
        rec = self.members.setdefault((chat_id, self.bot_user.id), MemberRecord())
        rec.status, rec.rights = "administrator", dict(rights)
        return self.member(chat_id, self.bot_user.id)

    def set_bot_status(self, chat_id: int, status: str):
        """Bot membership without an update: "member", "left", "kicked"..."""
        return self.set_member(chat_id, self.bot_user.id, status)

    # ---- lookups -----------------------------------------------------------
    def member(self, chat_id: int, user_id: int):
        """The aiogram ChatMember (status, rights, until_date) of user_id in chat_id."""
        return self._member(chat_id, user_id).to_aiogram(self._user(user_id))

    def chat(self, chat_id: int) -> Chat:
        return self._chat_record(chat_id).chat

    def user(self, user_id: int) -> User:
        return self._user(user_id)

    def _user(self, user_id: int) -> User:
        if user_id == self.bot_user.id:
            return self.bot_user
        if user_id not in self.users and user_id in SERVICE_USERS:
            self.users[user_id] = User(id=user_id, **{"is_bot": False, **SERVICE_USERS[user_id]})
        try:
            return self.users[user_id]
        except KeyError:
            raise EmulatorError(f"unknown user {user_id}; call add_user first") from None

    def _chat_record(self, chat_id: int) -> ChatRecord:
        rec = self._find_chat(chat_id)
        if rec is None:
            raise EmulatorError(f"unknown chat {chat_id}")
        return rec

    def _find_chat(self, chat_id) -> ChatRecord | None:
        """By id or "@username"; private chats appear once the user exists."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                name = chat_id[1:].lower()
                return next((r for r in self.chats.values()
                             if (r.chat.username or "").lower() == name), None)
            try:
                chat_id = int(chat_id)
            except ValueError:
                return None
        if chat_id in self.chats:
            return self.chats[chat_id]
        user = self.users.get(chat_id)
        if user is not None and chat_id > 0:
            chat = Chat(id=user.id, type="private", first_name=user.first_name,
                        last_name=user.last_name, username=user.username)
            self.chats[chat_id] = ChatRecord(chat=chat)
            return self.chats[chat_id]
        return None

    def _member(self, chat_id: int, user_id: int) -> MemberRecord:
        return self.members.get((chat_id, user_id)) or MemberRecord()

    def _bot_member(self, chat_id: int) -> MemberRecord:
        return self._member(chat_id, self.bot_user.id)

    # ---- API-side checks -----------------------------------------------------
    def _api_chat(self, chat_id) -> ChatRecord:
        """Resolve a chat for an API call: 400 chat not found / 403 when the bot has no access."""
        rec = self._find_chat(chat_id)
        if rec is None:
            raise bad_request("chat not found")
        if rec.type == "private":
            if rec.chat.id in self.blocked:
                raise forbidden("bot was blocked by the user")
            return rec
        status = self._bot_member(rec.chat.id).status
        kind = {"supergroup": "supergroup chat", "group": "group chat", "channel": "channel chat"}[rec.type]
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if status == "left" and rec.type != "channel":
            raise forbidden(f"bot is not a member of the {kind}")
        if status == "left":
            raise bad_request("chat not found")
        return rec

    def _check_can_send(self, rec: ChatRecord) -> None:
        if rec.type == "private" and rec.chat.id not in self.started:
            raise forbidden("bot can't initiate conversation with a user")
        bot = self._bot_member(rec.chat.id)
        if rec.type == "channel" and not (bot.status == "creator" or bot.rights.get("can_post_messages")):
            raise bad_request("need administrator rights in the channel chat")
        if bot.status == "restricted" and not bot.rights.get("can_send_messages"):
            raise bad_request("not enough rights to send text messages to the chat")

    def _bot_can(self, chat_id: int, right: str) -> bool:
        bot = self._bot_member(chat_id)
        return bot.status == "creator" or (bot.status == "administrator" and bool(bot.rights.get(right)))

    # ---- messages ------------------------------------------------------------
    def _now(self) -> int:
        return int(self.clock())

    def _new_message(self, chat_id: int, *, by_bot: bool, from_user: User | None = None,
                     source_text: str | None = None, parse_mode: str | None = None,
                     markup=None, **fields) -> MessageRecord:
        rec = self._chat_record(chat_id)
        message_id = rec.next_message_id
        rec.next_message_id += 1
        fields.setdefault("date", datetime.fromtimestamp(self._now(), tz=timezone.utc))
        message = Message(message_id=message_id, chat=rec.chat, from_user=from_user, **fields)
        self._seq += 1
        record = MessageRecord(message=message, by_bot=by_bot, seq=self._seq,
                               source_text=source_text, parse_mode=parse_mode, markup=markup)
        self.messages_by_chat.setdefault(rec.chat.id, {})[message_id] = record
        if by_bot:
            self.sent_log.append(record)
            self.sent_signal.fire()
        return record

    def _message(self, chat_id: int, message_id: int) -> MessageRecord | None:
        rec = self.messages_by_chat.get(chat_id, {}).get(message_id)
        return None if rec is None or rec.deleted else rec

    def _update_message(self, record: MessageRecord, **changes) -> Message:
        old = record.message
        fields = {name: getattr(old, name) for name in old.model_fields_set}
        record.message = type(old).model_validate({**fields, **(old.model_extra or {}), **changes})
        if record.by_bot:
            self.sent_signal.fire()
        return record.message

    @staticmethod
    def _as_reply(record: MessageRecord | None) -> Message | None:
        return None if record is None else record.message.model_copy(update={"reply_to_message": None})

    # ---- files -----------------------------------------------------------------
    def _add_file(self, data: bytes, kind: str, filename: str | None = None,
                  mime_type: str | None = None) -> FileRecord:
        n = len(self.files) + 1
        ext = {"photo": "jpg"}.get(kind, (filename or "file.bin").rsplit(".", 1)[-1])
        rec = FileRecord(file_id=f"{kind[:2].upper()}AACAg{n:06d}-emu", file_unique_id=f"AQAD{n:06d}",
                         data=data, file_path=f"{kind}s/file_{n}.{ext}", filename=filename,
                         mime_type=mime_type)
        self.files[rec.file_id] = rec
        return rec

    def _photo_sizes(self, file: FileRecord) -> list[PhotoSize]:
        return [PhotoSize(file_id=file.file_id, file_unique_id=file.file_unique_id,
                          width=1280, height=720, file_size=len(file.data))]

    def _document(self, file: FileRecord) -> Document:
        return Document(file_id=file.file_id, file_unique_id=file.file_unique_id,
                        file_name=file.filename, mime_type=file.mime_type, file_size=len(file.data))
