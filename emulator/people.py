"""Acting as people: each call stores the resulting message/query and queues its Update."""
from __future__ import annotations

import itertools
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineQuery,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageReactionCountUpdated,
    ReactionCount,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
)

from .entities import auto_entities
from .errors import EmulatorError
from .models import GROUP_ANONYMOUS_BOT_ID, CHANNEL_BOT_ID, TELEGRAM_SERVICE_ID
from .state import MemberRecord

_query_ids = itertools.count(4_000_000_000_000_000_001)


class PeopleMixin:
    # ---- channel -----------------------------------------------------------
    def post_to_channel(self, channel_id: int, text: str | None = None,
                        entities: list[MessageEntity] | None = None, caption: str | None = None,
                        caption_entities: list[MessageEntity] | None = None, photo: bool = False,
                        document: bool = False, media_group_id: str | None = None,
                        date: int | None = None) -> Message:
        """A channel post (channel_post update) plus its automatic forward into the linked group."""
        channel = self._chat_record(channel_id)
        content = self._content(text, entities, caption, caption_entities, photo, document, auto=True)
        fields = dict(sender_chat=channel.chat, media_group_id=media_group_id, **content)
        if date is not None:
            fields["date"] = date
        post = self._new_message(channel_id, by_bot=False, **fields).message
        if self._bot_member(channel_id).status in ("administrator", "creator"):
            self.updates.push(channel_post=post)
        if channel.linked_chat_id is not None and channel.linked_chat_id in self.chats:
            group = channel.linked_chat_id
            fwd = self._new_message(
                group, by_bot=False, from_user=self._user(TELEGRAM_SERVICE_ID), **fields,
                is_automatic_forward=True,
                forward_origin=MessageOriginChannel(chat=channel.chat, message_id=post.message_id,
                                                    date=post.date)).message
            self.discussion[(channel_id, post.message_id)] = (group, fwd.message_id)
            self._deliver_group_message(group, fwd)
        return post

    def automatic_forward(self, channel_id: int, message_id: int) -> Message | None:
        """The discussion-group copy of a channel post, if any."""
        where = self.discussion.get((channel_id, message_id))
        return self._message(*where).message if where and self._message(*where) else None

    def edit_channel_post(self, channel_id: int, message_id: int, text: str | None = None,
                          entities: list[MessageEntity] | None = None, *, caption: str | None = None,
                          caption_entities: list[MessageEntity] | None = None) -> Message:
        """Edit a post (edited_channel_post update); the discussion copy is edited too."""
        rec = self._require_message(channel_id, message_id)
        changes = self._edit_changes(rec.message, text, entities, caption, caption_entities)
        post = self._update_message(rec, **changes)
        if self._bot_member(channel_id).status in ("administrator", "creator"):
            self.updates.push(edited_channel_post=post)
        where = self.discussion.get((channel_id, message_id))
        if where and self._message(*where):
            copy = self._update_message(self._message(*where), **changes)
            self._deliver_group_message(where[0], copy, edited=True)
        return post

    # ---- members writing ---------------------------------------------------
    def send_message(self, chat_id: int, user_id: int, text: str | None = None,
                     entities: list[MessageEntity] | None = None, reply_to: int | None = None,
                     sender_chat_id: int | None = None, media_group_id: str | None = None,
                     photo: bool = False, *, document: bool = False) -> Message:
        """A member writes (private chat: chat_id == user_id). With photo/document, text is the caption."""
        chat = self._chat_record(chat_id)
        user = self._user(user_id)
        if chat.type == "private":
            self.started.add(user_id)
        else:
            self._ensure_can_write(chat_id, user_id, sender_chat_id)
        from_user, sender_chat = user, None
        if sender_chat_id is not None:
            sender_chat = self._chat_record(sender_chat_id).chat
            from_user = self._user(GROUP_ANONYMOUS_BOT_ID if sender_chat_id == chat_id else CHANNEL_BOT_ID)
        media = photo or document
        content = self._content(None if media else text, entities, text if media else None,
                                entities if media else None, photo, document, auto=True)
        reply = self._message(chat_id, reply_to) if reply_to else None
        if reply_to and reply is None:
            raise EmulatorError(f"no message {reply_to} in chat {chat_id} to reply to")
        msg = self._new_message(chat_id, by_bot=False, from_user=from_user, sender_chat=sender_chat,
                                reply_to_message=self._as_reply(reply), media_group_id=media_group_id,
                                **content).message
        self._deliver_group_message(chat_id, msg)
        return msg

    def edit_message(self, chat_id: int, message_id: int, user_id: int, text: str,
                     entities: list[MessageEntity] | None = None) -> Message:
        """A member edits their message (edited_message update)."""
        rec = self._require_message(chat_id, message_id)
        if rec.message.from_user is None or rec.message.from_user.id != user_id:
            raise EmulatorError(f"message {message_id} was not written by {user_id}")
        if rec.message.text is None:
            changes = self._edit_changes(rec.message, None, None, text, entities)
        else:
            changes = self._edit_changes(rec.message, text, entities, None, None)
        msg = self._update_message(rec, **changes)
        self._deliver_group_message(chat_id, msg, edited=True)
        return msg

    # ---- interactive -------------------------------------------------------
    def press_button(self, chat_id: int, message_id: int, user_id: int, data: str, *,
                     check: bool = True) -> CallbackQuery:
        """Press an inline button (callback_query update). check=False allows data not on the keyboard."""
        rec = self._require_message(chat_id, message_id)
        markup = rec.message.reply_markup
        buttons = [b for row in (markup.inline_keyboard if markup else []) for b in row]
        if check and not any(b.callback_data == data for b in buttons):
            raise EmulatorError(f"message {message_id} has no button with callback_data={data!r}")
        query = CallbackQuery(id=str(next(_query_ids)), from_user=self._user(user_id),
                              chat_instance=str(abs(chat_id) * 7919 % 10**12), message=rec.message,
                              data=data)
        self.callback_queries[query.id] = query
        self.updates.push(callback_query=query)
        return query

    def inline_query(self, user_id: int, query: str, offset: str = "", *,
                     chat_type: str | None = "sender") -> InlineQuery:
        """Type "@bot query" somewhere (inline_query update); answers land in inline_answers[id]."""
        q = InlineQuery(id=str(next(_query_ids)), from_user=self._user(user_id), query=query,
                        offset=offset, chat_type=chat_type)
        self.inline_queries[q.id] = q
        self.updates.push(inline_query=q)
        return q

    def react(self, chat_id: int, message_id: int, counts: dict[str, int]) -> MessageReactionCountUpdated:
        """Anonymous reaction totals (message_reaction_count update; keys "👍" or "custom:<id>")."""
        self._require_message(chat_id, message_id)
        reactions = [ReactionCount(type=ReactionTypeCustomEmoji(custom_emoji_id=k[7:]) if k.startswith("custom:")
                                   else ReactionTypeEmoji(emoji=k), total_count=n)
                     for k, n in counts.items() if n > 0]
        event = MessageReactionCountUpdated(chat=self.chat(chat_id), message_id=message_id,
                                            date=self._now(), reactions=reactions)
        if self._bot_member(chat_id).status in ("administrator", "creator"):
            self.updates.push(message_reaction_count=event)
        return event

    # ---- membership --------------------------------------------------------
    def join(self, chat_id: int, user_id: int) -> ChatMemberUpdated:
        """user joins: chat_member (my_chat_member for the bot) and a new_chat_members message."""
        event = self._change_member(chat_id, user_id, MemberRecord(status="member", joined_at=self._now()),
                                    actor=user_id)
        if user_id != self.bot_user.id and self.chat(chat_id).type != "channel":
            msg = self._new_message(chat_id, by_bot=False, from_user=self._user(user_id),
                                    new_chat_members=[self._user(user_id)]).message
            self._deliver_group_message(chat_id, msg)
        return event

    def leave(self, chat_id: int, user_id: int) -> ChatMemberUpdated:
        event = self._change_member(chat_id, user_id, MemberRecord(status="left"), actor=user_id)
        if user_id != self.bot_user.id and self.chat(chat_id).type != "channel":
            msg = self._new_message(chat_id, by_bot=False, from_user=self._user(user_id),
                                    left_chat_member=self._user(user_id)).message
            self._deliver_group_message(chat_id, msg)
        return event

    def promote(self, chat_id: int, user_id: int, *, by: int | None = None, **rights: bool) -> ChatMemberUpdated:
        """An owner/admin promotes user_id (chat_member, or my_chat_member for the bot)."""
        old = self._member(chat_id, user_id)
        new = MemberRecord(status="administrator", rights=dict(rights), joined_at=old.joined_at)
        return self._change_member(chat_id, user_id, new, actor=by)

    def demote(self, chat_id: int, user_id: int, *, by: int | None = None) -> ChatMemberUpdated:
        old = self._member(chat_id, user_id)
        return self._change_member(chat_id, user_id, MemberRecord(status="member", joined_at=old.joined_at),
                                   actor=by)

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: sends fail with 403 "bot was blocked by the user"."""
        self.blocked.add(user_id)

    # ---- helpers -------------------------------------------------------------
    def _change_member(self, chat_id, user_id, new: MemberRecord, actor: int | None) -> ChatMemberUpdated:
        if actor is None:
            owner = next((uid for (cid, uid), m in self.members.items()
                          if cid == chat_id and m.status == "creator"), None)
            actor = owner if owner is not None else user_id
        user = self._user(user_id)
        old = self._member(chat_id, user_id)
        self.members[(chat_id, user_id)] = new
        event = ChatMemberUpdated(chat=self.chat(chat_id), from_user=self._user(actor), date=self._now(),
                                  old_chat_member=old.to_aiogram(user), new_chat_member=new.to_aiogram(user))
        if user_id == self.bot_user.id:
            self.updates.push(my_chat_member=event)
        elif self._bot_member(chat_id).status in ("administrator", "creator"):
            self.updates.push(chat_member=event)
        return event

    def _ensure_can_write(self, chat_id: int, user_id: int, sender_chat_id: int | None) -> None:
        if sender_chat_id is not None and sender_chat_id in self.chats[chat_id].banned_sender_chats:
            raise EmulatorError(f"sender chat {sender_chat_id} is banned in {chat_id}")
        m = self._member(chat_id, user_id)
        if m.status == "kicked":
            raise EmulatorError(f"user {user_id} is banned in chat {chat_id}")
        if m.status == "restricted" and not m.rights.get("can_send_messages"):
            raise EmulatorError(f"user {user_id} is restricted (can't send messages) in chat {chat_id}")
        if m.status == "left":  # writing in a public group means joining it; no update, like a lurker
            self.members[(chat_id, user_id)] = MemberRecord(status="member", joined_at=self._now())

    def _deliver_group_message(self, chat_id: int, msg: Message, edited: bool = False) -> None:
        if self.chat(chat_id).type == "private" or self._bot_member(chat_id).present:
            self.updates.push(**{"edited_message" if edited else "message": msg})

    def _require_message(self, chat_id: int, message_id: int):
        rec = self._message(chat_id, message_id)
        if rec is None:
            raise EmulatorError(f"no message {message_id} in chat {chat_id}")
        return rec

    def _content(self, text, entities, caption, caption_entities, photo, document, auto) -> dict:
        out: dict = {}
        if photo or document:
            if photo:
                out["photo"] = self._photo_sizes(self._add_file(b"\xff\xd8emu-photo", "photo"))
            else:
                out["document"] = self._document(self._add_file(b"emu-document", "document",
                                                                "file.pdf", "application/pdf"))
            caption = caption if caption is not None else text
            if caption is not None:
                out["caption"] = caption
                out["caption_entities"] = caption_entities if caption_entities is not None else (
                    auto_entities(caption) if auto else None) or None
        elif text is not None:
            out["text"] = text
            out["entities"] = (entities if entities is not None else
                               (auto_entities(text) if auto else None)) or None
        else:
            raise EmulatorError("a message needs text, a caption or media")
        return out

    def _edit_changes(self, message: Message, text, entities, caption, caption_entities) -> dict:
        changes: dict = {"edit_date": self._now()}
        if text is not None:
            changes.update(text=text, entities=entities or None)
        if caption is not None:
            changes.update(caption=caption, caption_entities=caption_entities or None)
        return changes
