"""Posting to the channel through the bot: the dialogue, rights at every step, scheduled posts."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from aiogram.types import MessageEntity

from bot.routers.content.scheduler import post_job_id, reminder_job_id
from content.posts import PostStatus
from sandbox.keeper import CHANNEL_ID, CHAT_ID
from tests.bot.content.helpers import content_jobs, content_store, scheduler
from tests.bot.helpers import eventually

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=MSK)
OWNER, MARIA, ANNA = 100, 101, 1001
TEXT = "Новый разбор выйдет завтра. Подписывайтесь!"
BOLD = [MessageEntity(type="bold", offset=0, length=12)]


def buttons(message) -> dict[str, str]:
    return {b.text: b.callback_data for row in message.reply_markup.inline_keyboard for b in row}


def channel_posts(keeper):
    return keeper.emu.messages(CHANNEL_ID)


async def say(keeper, user_id: int, text: str | None = None, chat_id: int | None = None, **kwargs):
    """`user_id` writes to the bot (in private unless `chat_id` says where); the bot's answer there."""
    chat_id = chat_id or user_id
    mark = keeper.emu.mark()
    keeper.emu.send_message(chat_id, user_id, text, **kwargs)
    return await keeper.emu.wait_for_sent(chat_id=chat_id, since=mark, timeout=10)


async def press(keeper, user_id: int, message, label: str):
    mark = keeper.emu.mark()
    query = keeper.emu.press_button(user_id, message.message_id, user_id, buttons(message)[label])
    await keeper.emu.wait_for_call("answerCallbackQuery", since=mark, timeout=10)
    return keeper.emu.callback_answers[query.id], keeper.emu.message(user_id, message.message_id)


async def draft(keeper, user_id: int, text: str = TEXT, **kwargs):
    """/post, then the content; returns the preview and the control message with the buttons."""
    ask = await say(keeper, user_id, "/post")
    assert ask.text.startswith("Пришлите пост")
    mark = keeper.emu.mark()
    keeper.emu.send_message(user_id, user_id, text, **kwargs)
    control = await keeper.emu.wait_for_sent(lambda m: m.reply_markup is not None, chat_id=user_id, since=mark)
    preview = keeper.emu.sent(user_id)[-2]
    return preview, control


async def test_owner_posts_text_with_formatting_and_it_enters_the_archive(keeper):
    preview, control = await draft(keeper, OWNER, entities=BOLD)
    assert preview.text == TEXT and preview.entities == BOLD
    assert set(buttons(control)) == {"✅ Опубликовать", "🕒 Запланировать", "✖️ Отмена"}
    assert channel_posts(keeper) == []

    answer, control = await press(keeper, OWNER, control, "✅ Опубликовать")
    (post,) = channel_posts(keeper)
    assert post.text == TEXT and post.entities == BOLD
    assert control.text == f"✅ Опубликовано: https://t.me/boris_again/{post.message_id}"
    stored = keeper.services.archive.get(CHANNEL_ID, post.message_id)  # at once, no update needed
    assert stored is not None and stored.text == TEXT
    # an old Publish button of the same draft (a double tap) publishes nothing more
    mark = keeper.emu.mark()
    (row,) = content_store(keeper).posts(PostStatus.PUBLISHED)
    query = keeper.emu.press_button(OWNER, control.message_id, OWNER, f"cpost:pub:{row.id}", check=False)
    await keeper.emu.wait_for_call("answerCallbackQuery", since=mark)
    assert keeper.emu.callback_answers[query.id].text.startswith("Этот черновик уже опубликован")
    assert len(channel_posts(keeper)) == 1
    assert keeper.emu.message(OWNER, control.message_id).text == control.text


async def test_photo_with_caption_is_published_as_a_photo(keeper):
    preview, control = await draft(keeper, OWNER, "Схема <b>архитектуры</b>", photo=True)
    assert preview.photo and preview.caption == "Схема <b>архитектуры</b>"
    await press(keeper, OWNER, control, "✅ Опубликовать")
    (post,) = channel_posts(keeper)
    assert post.photo and post.caption == "Схема <b>архитектуры</b>"
    assert keeper.services.archive.get(CHANNEL_ID, post.message_id).media == "photo"


async def test_cancel_keeps_the_channel_untouched(keeper):
    _, control = await draft(keeper, OWNER)
    _, control = await press(keeper, OWNER, control, "✖️ Отмена")
    assert control.text == "Черновик отменён."
    assert channel_posts(keeper) == []


async def test_people_without_the_right_to_post_are_refused(keeper):
    for user_id in (ANNA, MARIA):  # a member, and a chat admin who is no channel admin
        reply = await say(keeper, user_id, "/post")
        assert reply.text.startswith("Публиковать в канал через меня могут только администраторы канала")
    john = await say(keeper, 1003, "/post")
    assert john.text.startswith("Only channel admins with the right to post")
    assert channel_posts(keeper) == []
    assert content_store(keeper).posts(PostStatus.DRAFT) == []


async def test_an_admin_losing_the_right_before_publishing_is_stopped(keeper):
    keeper.emu.set_member(CHANNEL_ID, MARIA, "administrator", {"can_post_messages": True})
    _, control = await draft(keeper, MARIA)
    keeper.emu.set_member(CHANNEL_ID, MARIA, "administrator", {"can_post_messages": False})
    answer, after = await press(keeper, MARIA, control, "✅ Опубликовать")
    assert answer.show_alert and answer.text.startswith("Публиковать в канал через меня могут только")
    assert channel_posts(keeper) == []
    assert after.reply_markup is not None  # the draft stays; with the right back it works
    keeper.emu.set_member(CHANNEL_ID, MARIA, "administrator", {"can_post_messages": True})
    await press(keeper, MARIA, after, "✅ Опубликовать")
    assert len(channel_posts(keeper)) == 1


async def schedule(keeper, user_id: int, when: str, text: str = TEXT):
    _, control = await draft(keeper, user_id, text)
    _, control = await press(keeper, user_id, control, "🕒 Запланировать")
    assert control.text.startswith("Когда опубликовать? Время по поясу Europe/Moscow")
    reply = await say(keeper, user_id, when)
    return reply, content_store(keeper).posts(PostStatus.SCHEDULED)


async def test_scheduled_post_fires_once_after_a_restart(keeper):
    with time_machine.travel(NOW, tick=True) as clock:
        reply, (row,) = await schedule(keeper, OWNER, "завтра 10:00", "Анонс: стрим в пятницу в 19:00 МСК")
        assert reply.text == f"🕒 Пост #{row.id} запланирован на 11.03.2025 10:00 МСК. Список и отмена — /scheduled."
        job_id = post_job_id(row.id)
        assert scheduler(keeper).get_job(job_id).next_run_time == datetime(2025, 3, 11, 10, 0, tzinfo=MSK)

        await keeper.restart()
        assert scheduler(keeper).get_job(job_id).next_run_time == datetime(2025, 3, 11, 10, 0, tzinfo=MSK)
        listing = await say(keeper, OWNER, "/scheduled")
        assert f"#{row.id} · 11.03.2025 10:00 МСК · Анонс" in listing.text

        clock.move_to(datetime(2025, 3, 11, 10, 0, 1, tzinfo=MSK))
        mark = keeper.emu.mark()
        scheduler(keeper).wakeup()
        done = await keeper.emu.wait_for_sent(lambda m: m.text and m.text.startswith("✅ Запланированный"),
                                             chat_id=OWNER, since=mark)
        (post,) = channel_posts(keeper)
        assert post.text == "Анонс: стрим в пятницу в 19:00 МСК"
        assert done.text.endswith(f"https://t.me/boris_again/{post.message_id}")
        assert keeper.services.archive.get(CHANNEL_ID, post.message_id) is not None
        # the published announcement gets its reminders like any channel post
        event = content_store(keeper).event_by_anchor([post.message_id])
        assert scheduler(keeper).get_job(reminder_job_id(event.id, 3600)).next_run_time == \
            datetime(2025, 3, 14, 18, 0, tzinfo=MSK)

        await keeper.restart()
        assert scheduler(keeper).get_job(job_id) is None
        assert await content_jobs(keeper).publish_scheduled(row.id) == "not scheduled"
        assert len(channel_posts(keeper)) == 1
        assert content_store(keeper).post(row.id).status is PostStatus.PUBLISHED


async def test_bad_times_are_explained_and_scheduled_posts_can_be_cancelled(keeper):
    with time_machine.travel(NOW, tick=True):
        _, control = await draft(keeper, OWNER)
        await press(keeper, OWNER, control, "🕒 Запланировать")
        for bad, expected in [("когда-нибудь", "Не понял время"), ("2025-03-01 10:00", "Это время уже прошло"),
                              ("завтра", "Не понял время")]:
            reply = await say(keeper, OWNER, bad)
            assert reply.text.startswith(expected), (bad, reply.text)
            assert "завтра 10:00" in reply.text
        reply = await say(keeper, OWNER, "2025-03-12T09:30")
        (row,) = content_store(keeper).posts(PostStatus.SCHEDULED)
        assert "12.03.2025 09:30 МСК" in reply.text

        listing = await say(keeper, OWNER, "/scheduled")
        _, listing = await press(keeper, OWNER, listing, f"✖️ Отменить #{row.id}")
        assert listing.text == "Запланированных постов нет."
        assert scheduler(keeper).get_job(post_job_id(row.id)) is None
        assert await content_jobs(keeper).publish_scheduled(row.id) == "not scheduled"
        assert channel_posts(keeper) == []


async def test_scheduled_post_is_held_back_when_the_author_lost_the_right(keeper):
    keeper.emu.set_member(CHANNEL_ID, MARIA, "administrator", {"can_post_messages": True})
    with time_machine.travel(NOW, tick=True) as clock:
        _, (row,) = await schedule(keeper, MARIA, "через 2 часа")
        keeper.emu.set_member(CHANNEL_ID, MARIA, "member")
        clock.move_to(datetime(2025, 3, 10, 14, 0, 5, tzinfo=MSK))
        mark = keeper.emu.mark()
        scheduler(keeper).wakeup()
        note = await keeper.emu.wait_for_sent(chat_id=MARIA, since=mark)
        assert note.text.startswith(f"Запланированный пост #{row.id} не опубликован")
        assert channel_posts(keeper) == []
        await eventually(lambda: content_store(keeper).post(row.id).status is PostStatus.FAILED)


async def test_a_post_missed_while_the_bot_was_down_is_not_published_late(keeper):
    with time_machine.travel(NOW, tick=True) as clock:
        _, (row,) = await schedule(keeper, OWNER, "сегодня 13:00")
        await keeper.stop_bot()
        clock.move_to(datetime(2025, 3, 12, 13, 0, tzinfo=MSK))  # two days later, beyond the grace time
        mark = keeper.emu.mark()
        await keeper.start_bot()
        note = await keeper.emu.wait_for_sent(chat_id=OWNER, since=mark)
        assert note.text.startswith(f"Запланированный пост #{row.id} не опубликован: я был недоступен")
        assert content_store(keeper).post(row.id).status is PostStatus.MISSED
        assert scheduler(keeper).get_job(post_job_id(row.id)) is None
        assert channel_posts(keeper) == []
        assert [m.text for m in keeper.emu.sent(OWNER)].count(note.text) == 1


async def test_post_with_text_after_the_command_is_the_draft_and_commands_still_work_meanwhile(keeper):
    emu = keeper.emu
    mark = emu.mark()
    emu.send_message(OWNER, OWNER, "/post " + TEXT, entities=[
        MessageEntity(type="bot_command", offset=0, length=5), MessageEntity(type="bold", offset=6, length=12)])
    control = await emu.wait_for_sent(lambda m: m.reply_markup is not None, chat_id=OWNER, since=mark)
    preview = emu.sent(OWNER)[-2]
    assert preview.text == TEXT and preview.entities == BOLD
    assert "✅ Опубликовать" in buttons(control)
    # while the dialogue waits for a post, /help is help, not a draft
    assert (await say(keeper, OWNER, "/post")).text.startswith("Пришлите пост")
    assert "/search" in (await say(keeper, OWNER, "/help")).text
    preview, control = await draft_content(keeper, OWNER, "Второй пост")
    assert preview.text == "Второй пост" and "✅ Опубликовать" in buttons(control)


async def draft_content(keeper, user_id: int, text: str):
    mark = keeper.emu.mark()
    keeper.emu.send_message(user_id, user_id, text)
    control = await keeper.emu.wait_for_sent(lambda m: m.reply_markup is not None, chat_id=user_id, since=mark)
    return keeper.emu.sent(user_id)[-2], control


async def test_a_restart_while_the_bot_waits_for_the_time_loses_nothing(keeper):
    with time_machine.travel(NOW, tick=True):
        _, control = await draft(keeper, OWNER, TEXT)
        _, control = await press(keeper, OWNER, control, "🕒 Запланировать")
        await keeper.restart()  # the dialogue state lives in the database
        reply = await say(keeper, OWNER, "завтра 10:00")
        (row,) = content_store(keeper).posts(PostStatus.SCHEDULED)
        assert reply.text.startswith(f"🕒 Пост #{row.id} запланирован на 11.03.2025 10:00 МСК")


async def test_post_in_the_group_says_it_works_in_a_private_chat(keeper):
    for user_id, expected in ((OWNER, "Публикация в канал через бота — в личном чате со мной"),
                              (1003, "Posting to the channel works in a private chat with me")):
        reply = await say(keeper, user_id, "/post Анонс", chat_id=CHAT_ID)
        assert reply.text.startswith(expected)
    assert channel_posts(keeper) == [] and content_store(keeper).posts(PostStatus.DRAFT) == []
