"""The admin cache and activity counting."""
from __future__ import annotations

from sandbox.keeper import CHANNEL_ID, CHAT_ID

from tests.bot.helpers import processed, said, text_of
from tests.bot.moderation.helpers import quiet

pytestmark = quiet


async def test_admin_cache_is_loaded_at_startup_and_follows_chat_member_updates(keeper):
    store = keeper.moderation.store
    assert {a.user_id for a in store.admins(CHAT_ID)} == {100, 101}
    keeper.emu.promote(CHAT_ID, 1004, can_restrict_members=True)
    await processed(keeper)
    assert store.admin(CHAT_ID, 1004).rights == frozenset({"can_restrict_members"})
    keeper.emu.demote(CHAT_ID, 1004)
    await processed(keeper)
    assert store.admin(CHAT_ID, 1004) is None
    # a freshly promoted admin may use admin commands at once
    keeper.emu.promote(CHAT_ID, 1004, can_restrict_members=True)
    target = keeper.emu.send_message(CHAT_ID, 1005, "x")
    answer = await said(keeper, 1004, "/mute 1h", reply_to=target.message_id)
    assert "мут на 1 час" in text_of(answer)


async def test_automatic_forwards_and_the_service_user_are_not_counted(keeper):
    emu = keeper.emu
    emu.link_discussion(CHANNEL_ID, CHAT_ID)
    emu.post_to_channel(CHANNEL_ID, "a new post")
    emu.send_message(CHAT_ID, 1001, "a member message")
    emu.send_message(CHAT_ID, 1001, "photo", photo=True)
    await processed(keeper)
    store = keeper.moderation.store
    assert store.eligibility(CHAT_ID, 777000, True).message_count == 0
    assert store.eligibility(CHAT_ID, 1001, True).message_count == 2
