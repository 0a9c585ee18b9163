"""Bans, restrictions, promotions and their errors; chat_member updates."""
import time

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ChatPermissions


@pytest.fixture
def frozen(emulator):
    now = [1_800_000_000.0]
    emulator.clock = lambda: now[0]
    return now


async def test_ban_with_duration_and_permanent_rule(bot, emulator, cast, frozen):
    now = int(frozen[0])
    await bot.ban_chat_member(cast.group.id, cast.anna.id, until_date=now + 3600)
    m = emulator.member(cast.group.id, cast.anna.id)
    assert m.status == "kicked" and int(m.until_date.timestamp()) == now + 3600
    params = emulator.calls("banChatMember")[-1][1]
    assert params["user_id"] == cast.anna.id and params["until_date"] == now + 3600
    await bot.ban_chat_member(cast.group.id, cast.bob.id, until_date=now + 10)  # < 30 s
    assert int(emulator.member(cast.group.id, cast.bob.id).until_date.timestamp()) == 0
    await bot.unban_chat_member(cast.group.id, cast.bob.id, only_if_banned=True)
    await bot.ban_chat_member(cast.group.id, cast.bob.id, until_date=now + 400 * 86400)  # > 366 d
    assert int(emulator.member(cast.group.id, cast.bob.id).until_date.timestamp()) == 0


async def test_kick_is_ban_then_unban_only_if_banned(bot, emulator, cast):
    await bot.ban_chat_member(cast.group.id, cast.anna.id)
    await bot.unban_chat_member(cast.group.id, cast.anna.id, only_if_banned=True)
    assert emulator.member(cast.group.id, cast.anna.id).status == "left"
    await bot.unban_chat_member(cast.group.id, cast.bob.id, only_if_banned=True)  # not banned: no-op
    assert emulator.member(cast.group.id, cast.bob.id).status == "member"


async def test_restrict_and_lift(bot, emulator, cast):
    until = int(time.time()) + 600
    await bot.restrict_chat_member(cast.group.id, cast.anna.id,
                                   ChatPermissions(can_send_messages=False), until_date=until)
    m = emulator.member(cast.group.id, cast.anna.id)
    assert m.status == "restricted" and not m.can_send_messages and int(m.until_date.timestamp()) == until
    with pytest.raises(ValueError, match="restricted"):
        emulator.send_message(cast.group.id, cast.anna.id, "can I talk?")
    everything = {k: True for k in ChatPermissions.model_fields}
    await bot.restrict_chat_member(cast.group.id, cast.anna.id, ChatPermissions(**everything))
    assert emulator.member(cast.group.id, cast.anna.id).status == "member"


async def test_admin_rights_errors(bot, emulator, cast):
    with pytest.raises(TelegramBadRequest, match="user is an administrator of the chat"):
        await bot.ban_chat_member(cast.group.id, cast.admin.id)
    with pytest.raises(TelegramBadRequest, match="can't remove chat owner"):
        await bot.restrict_chat_member(cast.group.id, cast.owner.id, ChatPermissions())
    emulator.set_bot_rights(cast.group.id, can_delete_messages=True)
    with pytest.raises(TelegramBadRequest, match="not enough rights to restrict/unrestrict chat member"):
        await bot.ban_chat_member(cast.group.id, cast.anna.id)
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.promote_chat_member(cast.group.id, cast.anna.id, can_delete_messages=True)


async def test_promote_demote_by_bot(bot, emulator, cast):
    emulator.set_bot_rights(cast.group.id, can_promote_members=True, can_delete_messages=True)
    with pytest.raises(TelegramBadRequest, match="RIGHT_FORBIDDEN"):
        await bot.promote_chat_member(cast.group.id, cast.anna.id, can_restrict_members=True)
    await bot.promote_chat_member(cast.group.id, cast.anna.id, can_delete_messages=True)
    m = emulator.member(cast.group.id, cast.anna.id)
    assert m.status == "administrator" and m.can_delete_messages and m.can_be_edited
    admins = {a.user.id for a in await bot.get_chat_administrators(cast.group.id)}
    assert {cast.owner.id, cast.admin.id, cast.anna.id, emulator.bot_user.id} == admins
    await bot.promote_chat_member(cast.group.id, cast.anna.id)  # all False: demote
    assert emulator.member(cast.group.id, cast.anna.id).status == "member"
    with pytest.raises(TelegramBadRequest, match="not enough rights to demote chat member"):
        await bot.promote_chat_member(cast.group.id, cast.admin.id)


async def test_sender_chat_ban(bot, emulator, cast):
    other = emulator.add_channel(id=-1002000000000, title="Spam channel", bot_status="left")
    emulator.send_message(cast.group.id, cast.anna.id, "ad", sender_chat_id=other.id)
    assert await bot.ban_chat_sender_chat(cast.group.id, other.id)
    with pytest.raises(ValueError, match="banned"):
        emulator.send_message(cast.group.id, cast.anna.id, "ad", sender_chat_id=other.id)
    assert await bot.unban_chat_sender_chat(cast.group.id, other.id)
    emulator.send_message(cast.group.id, cast.anna.id, "ad again", sender_chat_id=other.id)


async def test_membership_updates(bot, emulator, cast):
    newbie = emulator.add_user(id=2001, first_name="Newbie")
    emulator.join(cast.group.id, newbie.id)
    emulator.promote(cast.group.id, newbie.id, can_pin_messages=True)
    emulator.leave(cast.group.id, newbie.id)
    emulator.promote(cast.group.id, emulator.bot_user.id, can_delete_messages=True)
    updates = await bot.get_updates(allowed_updates=["message", "chat_member", "my_chat_member"])
    kinds = [u.event_type for u in updates]
    assert kinds == ["chat_member", "message", "chat_member", "chat_member", "message", "my_chat_member"]
    assert updates[1].message.new_chat_members[0].id == newbie.id
    assert updates[2].chat_member.new_chat_member.status == "administrator"
    assert updates[5].my_chat_member.new_chat_member.can_delete_messages
    assert (await bot.get_chat_member(cast.group.id, newbie.id)).status == "left"
    assert await bot.get_chat_member_count(cast.group.id) == 5


async def test_set_chat_permissions(bot, emulator, cast):
    await bot.set_chat_permissions(cast.group.id, ChatPermissions(can_send_messages=True))
    chat = await bot.get_chat(cast.group.id)
    assert chat.permissions.can_send_messages and not chat.permissions.can_send_polls
