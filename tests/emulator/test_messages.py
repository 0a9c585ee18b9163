"""Editing, deleting, media, files, copies, polls, pins, commands."""
import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (BotCommand, BotCommandScopeChat, BufferedInputFile, InlineKeyboardButton,
                           InlineKeyboardMarkup, InputMediaPhoto, ReplyParameters)


def kb(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=data, callback_data=data)]])


async def test_edit_text_in_place_and_not_modified(bot, emulator, cast):
    msg = await bot.send_message(cast.group.id, "v1", reply_markup=kb("a"))
    edited = await bot.edit_message_text("v2", chat_id=cast.group.id, message_id=msg.message_id,
                                         reply_markup=kb("a"))
    assert edited.text == "v2" and edited.edit_date is not None
    assert [m.text for m in emulator.sent(cast.group.id)] == ["v2"]
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("v2", chat_id=cast.group.id, message_id=msg.message_id,
                                    reply_markup=kb("a"))
    await bot.edit_message_reply_markup(chat_id=cast.group.id, message_id=msg.message_id,
                                        reply_markup=kb("b"))
    assert emulator.sent()[0].reply_markup.inline_keyboard[0][0].callback_data == "b"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=cast.group.id, message_id=999)


async def test_cannot_edit_users_message(bot, emulator, cast):
    m = emulator.send_message(cast.group.id, cast.anna.id, "mine")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=cast.group.id, message_id=m.message_id)


async def test_delete_tracks_state_and_rights(bot, emulator, cast):
    m = emulator.send_message(cast.group.id, cast.anna.id, "spam")
    assert await bot.delete_message(cast.group.id, m.message_id)
    assert emulator.is_deleted(cast.group.id, m.message_id)
    assert m.message_id not in [x.message_id for x in emulator.messages(cast.group.id)]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(cast.group.id, m.message_id)
    emulator.set_bot_rights(cast.group.id, can_restrict_members=True)  # no can_delete_messages
    m2 = emulator.send_message(cast.group.id, cast.anna.id, "more")
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(cast.group.id, m2.message_id)
    own = await bot.send_message(cast.group.id, "own")
    assert await bot.delete_messages(cast.group.id, [own.message_id, m2.message_id])
    assert emulator.is_deleted(cast.group.id, own.message_id)
    assert not emulator.is_deleted(cast.group.id, m2.message_id)


async def test_reply_parameters(bot, emulator, cast):
    q = emulator.send_message(cast.group.id, cast.anna.id, "question?")
    a = await bot.send_message(cast.group.id, "answer", reply_parameters=ReplyParameters(message_id=q.message_id))
    assert a.reply_to_message.text == "question?"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(cast.group.id, "x", reply_to_message_id=12345)


async def test_photo_upload_file_roundtrip_and_album(bot, emulator, cast):
    data = b"\x89PNG fake image bytes"
    msg = await bot.send_photo(cast.group.id, BufferedInputFile(data, "chart.png"),
                               caption="<i>chart</i>", parse_mode="HTML")
    assert msg.caption == "chart" and msg.caption_entities[0].type == "italic"
    file_id = msg.photo[-1].file_id
    again = await bot.send_photo(cast.group.id, file_id)  # by file_id
    assert again.photo[-1].file_id == file_id
    f = await bot.get_file(file_id)
    downloaded = await bot.download_file(f.file_path)
    assert downloaded.read() == data
    doc = await bot.send_document(cast.group.id, BufferedInputFile(b"%PDF", "paper.pdf"))
    assert doc.document.file_name == "paper.pdf"
    album = await bot.send_media_group(cast.group.id, [
        InputMediaPhoto(media=file_id, caption="one"),
        InputMediaPhoto(media=BufferedInputFile(b"x", "2.jpg"))])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(cast.group.id, "nonexistent-file-id")


async def test_copy_and_forward_channel_post(bot, emulator, cast):
    post = emulator.post_to_channel(cast.channel.id, text="Разбор статьи", photo=True)
    copied = await bot.copy_message(cast.group.id, cast.channel.id, post.message_id)
    copy = emulator.message(cast.group.id, copied.message_id)
    assert copy.caption == "Разбор статьи" and copy.photo
    fwd = await bot.forward_message(cast.group.id, cast.channel.id, post.message_id)
    assert fwd.forward_origin.chat.id == cast.channel.id


async def test_poll_and_pin(bot, emulator, cast):
    msg = await bot.send_poll(cast.group.id, "Stream time?", options=["18:00", "20:00"])
    assert [o.text for o in msg.poll.options] == ["18:00", "20:00"]
    poll = await bot.stop_poll(cast.group.id, msg.message_id)
    assert poll.is_closed
    assert await bot.pin_chat_message(cast.group.id, msg.message_id)
    chat = await bot.get_chat(cast.group.id)
    assert chat.pinned_message.message_id == msg.message_id and chat.linked_chat_id == cast.channel.id
    emulator.set_bot_rights(cast.group.id, can_delete_messages=True)
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage pinned messages"):
        await bot.pin_chat_message(cast.group.id, msg.message_id)


async def test_channel_posting_needs_rights(bot, emulator, cast):
    post = await bot.send_message(cast.channel.id, "digest")
    assert post.sender_chat.id == cast.channel.id and post.from_user is None
    emulator.set_bot_rights(cast.channel.id, can_delete_messages=True)
    with pytest.raises(TelegramBadRequest, match="need administrator rights in the channel chat"):
        await bot.send_message(cast.channel.id, "x")


async def test_commands_by_scope_and_language(bot, emulator, cast):
    ru = [BotCommand(command="search", description="Поиск")]
    await bot.set_my_commands(ru, language_code="ru")
    admin = [BotCommand(command="ban", description="Ban")]
    await bot.set_my_commands(admin, scope=BotCommandScopeChat(chat_id=cast.group.id))
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["search"]
    assert await bot.get_my_commands() == []
    assert [c.command for c in emulator.commands({"type": "chat", "chat_id": cast.group.id})] == ["ban"]
    await bot.delete_my_commands(language_code="ru")
    assert await bot.get_my_commands(language_code="ru") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Cmd", description="x")])


async def test_user_edits_arrive_as_edited_message(bot, emulator, cast):
    m = emulator.send_message(cast.group.id, cast.anna.id, "typo")
    emulator.edit_message(cast.group.id, m.message_id, cast.anna.id, "fixed")
    post = emulator.post_to_channel(cast.channel.id, text="draft")
    emulator.edit_channel_post(cast.channel.id, post.message_id, text="final")
    kinds = [(u.event_type, (u.edited_message or u.edited_channel_post or u.message or u.channel_post).text)
             for u in await bot.get_updates()]
    assert ("edited_message", "fixed") in kinds and ("edited_channel_post", "final") in kinds


async def test_link_preview_options_kept(bot, emulator, cast):
    from aiogram.types import LinkPreviewOptions

    await bot.send_message(cast.group.id, "https://arxiv.org/abs/1706.03762",
                           link_preview_options=LinkPreviewOptions(is_disabled=True))
    assert emulator.sent()[0].link_preview_options.is_disabled is True
    params = emulator.calls("sendMessage")[0][1]
    assert params["link_preview_options"] == {"is_disabled": True}
