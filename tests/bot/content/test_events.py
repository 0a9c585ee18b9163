"""Streams, surveys and reminders through the emulator, with the clock under control."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.routers.content.scheduler import reminder_job_id
from content.events import EventRecord
from sandbox.keeper import CHANNEL_ID, CHAT_ID
from tests.bot.content.helpers import content_jobs, content_store, scheduler
from tests.bot.helpers import eventually

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=MSK)  # a Monday, noon in Moscow
ADMIN, ANNA, JOHN = 101, 1001, 1003
STREAM = "Стрим завтра в 20:00 МСК: разбираем статьи про RLHF. https://youtube.com/live/abc"


async def ask(keeper, user_id: int, text: str, chat_id: int | None = None):
    chat_id = chat_id or user_id
    mark = keeper.emu.mark()
    keeper.emu.send_message(chat_id, user_id, text)
    return await keeper.emu.wait_for_sent(chat_id=chat_id, since=mark, timeout=10)


async def announce(keeper, text: str) -> EventRecord:
    """A channel post; returns the event record the bot made for it."""
    post = keeper.emu.post_to_channel(CHANNEL_ID, text)
    return await eventually(lambda: content_store(keeper).event_by_anchor([post.message_id]))


def reminders_in_chat(keeper) -> list[str]:
    return [m.text for m in keeper.emu.sent(CHAT_ID) if m.text and m.text.startswith("⏰")]


@pytest.mark.sample
async def test_stream_shows_the_ama_with_its_recording(keeper):
    msg = await ask(keeper, ANNA, "/stream")
    assert "Нейросети для Троечников" in msg.text
    assert "01.08.2024 19:00 МСК" in msg.text
    links = {e.extract_from(msg.text): e.url for e in msg.entities if e.type == "text_link"}
    assert links["📼 Запись"] == "https://www.youtube.com/watch?v=b3XogyyXgUs&feature=youtu.be"
    assert links["Анонс"] == "https://t.me/boris_again/1710"


async def test_new_stream_post_schedules_reminders_in_its_zone(keeper):
    with time_machine.travel(NOW, tick=True):
        row = await announce(keeper, STREAM)
        s = scheduler(keeper)
        day, hour = s.get_job(reminder_job_id(row.id, 86400)), s.get_job(reminder_job_id(row.id, 3600))
        assert day.next_run_time == datetime(2025, 3, 10, 20, 0, tzinfo=MSK)
        assert hour.next_run_time == datetime(2025, 3, 11, 19, 0, tzinfo=MSK)
        assert str(hour.next_run_time.tzinfo) == "Europe/Moscow"
        assert hour.args == (row.id, 3600, int(datetime(2025, 3, 11, 20, 0, tzinfo=MSK).timestamp()))

        berlin = await announce(keeper, "Live stream on Friday 18:00 CET: reading group on Mamba. "
                                       "Join https://youtube.com/live/xyz")
        job = s.get_job(reminder_job_id(berlin.id, 3600))
        assert job.next_run_time == datetime(2025, 3, 14, 17, 0, tzinfo=BERLIN)
        assert str(job.next_run_time.tzinfo) == "Europe/Berlin"

        msg = await ask(keeper, ANNA, "/stream")
        assert msg.text.startswith("Ближайший эфир:") and "11.03.2025 20:00 МСК" in msg.text

        msg = await ask(keeper, JOHN, "/events")
        assert msg.text.startswith("📅 Coming up")
        assert msg.text.index("RLHF") < msg.text.index("Mamba")
        assert f"#{row.id}" in msg.text


async def test_firing_the_reminder_sends_it_once(keeper):
    with time_machine.travel(NOW, tick=True) as clock:
        row = await announce(keeper, STREAM)
        clock.move_to(datetime(2025, 3, 11, 19, 0, 5, tzinfo=MSK))
        mark = keeper.emu.mark()
        assert await content_jobs(keeper).send_reminder(row.id, 3600, row.starts_at) == "sent"
        msg = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark)
        assert msg.text.startswith("⏰ Через 1 ч: 📺 Стрим")
        assert "Начало: 11.03.2025 20:00 МСК" in msg.text
        assert await content_jobs(keeper).send_reminder(row.id, 3600, row.starts_at) == "already sent"
        assert len(reminders_in_chat(keeper)) == 1


async def test_reminders_survive_restarts_and_never_repeat(keeper):
    with time_machine.travel(NOW, tick=True) as clock:
        row = await announce(keeper, STREAM)
        job_id = reminder_job_id(row.id, 3600)
        due = scheduler(keeper).get_job(job_id).next_run_time

        await keeper.restart()  # between scheduling and firing
        assert scheduler(keeper).get_job(job_id).next_run_time == due

        # the bot was down through the 24 h reminder: far beyond its grace time, it is dropped
        clock.move_to(due + timedelta(seconds=2))
        mark = keeper.emu.mark()
        scheduler(keeper).wakeup()
        msg = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark)
        assert msg.text.startswith("⏰ Через 1 ч")
        await eventually(lambda: scheduler(keeper).get_job(job_id) is None)

        await keeper.restart()  # after firing: nothing comes back, nothing repeats
        assert [j.id for j in scheduler(keeper).get_jobs() if j.id.startswith("reminder:")] == []
        assert await content_jobs(keeper).send_reminder(row.id, 3600, row.starts_at) == "already sent"
        assert reminders_in_chat(keeper) == [msg.text]


async def test_a_reminder_due_while_the_bot_was_down_is_sent_when_it_starts(keeper):
    with time_machine.travel(NOW, tick=True) as clock:
        await announce(keeper, STREAM)
        await keeper.stop_bot()
        clock.move_to(datetime(2025, 3, 11, 19, 10, tzinfo=MSK))  # ten minutes after "1 h before"
        mark = keeper.emu.mark()
        await keeper.start_bot()  # jobs are rebuilt from the tables, late ones within their grace too
        msg = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark)
        assert msg.text.startswith("⏰ Через 50 мин: 📺 Стрим")
        assert reminders_in_chat(keeper) == [msg.text]  # the day-before one, 23 h late, is dropped


async def test_edited_announcement_moves_the_reminders(keeper):
    with time_machine.travel(NOW, tick=True):
        post = keeper.emu.post_to_channel(CHANNEL_ID, STREAM)
        row = await eventually(lambda: content_store(keeper).event_by_anchor([post.message_id]))
        keeper.emu.edit_channel_post(CHANNEL_ID, post.message_id, STREAM.replace("20:00", "21:30"))
        moved = datetime(2025, 3, 11, 20, 30, tzinfo=MSK)
        job_id = reminder_job_id(row.id, 3600)
        await eventually(lambda: scheduler(keeper).get_job(job_id).next_run_time == moved)
        # the old start no longer reminds anyone
        assert await content_jobs(keeper).send_reminder(row.id, 3600, row.starts_at) == "stale"


async def test_admin_adds_moves_and_cancels_an_event(keeper):
    with time_machine.travel(NOW, tick=True):
        reply = await ask(keeper, ADMIN, "/event add завтра 19:00 Разбор <статей>", chat_id=CHAT_ID)
        assert "Разбор &lt;статей&gt;" not in reply.text and "Разбор <статей>" in reply.text  # escaped HTML
        assert "11.03.2025 19:00 МСК" in reply.text and "Напоминаний запланировано: 2" in reply.text
        (row,) = content_store(keeper).events()
        s = scheduler(keeper)
        assert s.get_job(reminder_job_id(row.id, 3600)).next_run_time == datetime(2025, 3, 11, 18, 0, tzinfo=MSK)

        reply = await ask(keeper, ADMIN, f"/event edit {row.id} 2025-03-12 18:30", chat_id=CHAT_ID)
        assert "перенесено на 12.03.2025 18:30 МСК" in reply.text
        assert s.get_job(reminder_job_id(row.id, 3600)).next_run_time == datetime(2025, 3, 12, 17, 30, tzinfo=MSK)

        listing = await ask(keeper, ANNA, "/events")
        assert f"#{row.id}" in listing.text and "12.03.2025 18:30 МСК" in listing.text

        refused = await ask(keeper, ANNA, f"/event cancel {row.id}", chat_id=CHAT_ID)
        assert refused.text.startswith("Добавлять и менять события могут только администраторы")

        reply = await ask(keeper, ADMIN, f"/event cancel #{row.id}", chat_id=CHAT_ID)
        assert "отменено" in reply.text
        assert [j for j in s.get_jobs() if j.id.startswith("reminder:")] == []
        assert (await ask(keeper, ANNA, "/events")).text.startswith("Ничего не запланировано")
        assert await content_jobs(keeper).send_reminder(row.id, 3600, content_store(keeper).event(row.id).starts_at) == "stale"


async def test_admin_rights_are_checked_when_acting(keeper):
    with time_machine.travel(NOW, tick=True):
        keeper.emu.set_member(CHAT_ID, ADMIN, "member")  # demoted a moment ago
        reply = await ask(keeper, ADMIN, "/event add завтра 19:00 Разбор", chat_id=CHAT_ID)
        assert reply.text.startswith("Добавлять и менять события могут только администраторы")
        assert content_store(keeper).events() == []


async def test_bad_dates_are_answered_helpfully(keeper):
    with time_machine.travel(NOW, tick=True):
        cases = {
            "/event add": "Не указано время",
            "/event add когда-нибудь Разбор": "Не понял время",
            "/event add завтра Разбор": "Не понял время",
            "/event add 2020-01-01 10:00 Разбор": "Это время уже прошло",
            "/event add завтра 19:00": "Не хватает названия",
            "/event edit 99 завтра 10:00": "Не нашёл активного события",
            "/event": "Команды для администраторов",
            "/event edit": "Команды для администраторов",
            "/event cancel": "Команды для администраторов",
        }
        for command, expected in cases.items():
            reply = await ask(keeper, ADMIN, command, chat_id=CHAT_ID)
            assert reply.text.startswith(expected), (command, reply.text)
            if expected.startswith(("Не указано", "Не понял", "Это время")):
                assert "завтра 10:00" in reply.text  # with examples
        keeper.emu.set_member(CHAT_ID, JOHN, "administrator", {"can_delete_messages": True})
        reply = await ask(keeper, JOHN, "/event add someday Paper reading", chat_id=CHAT_ID)
        assert reply.text.startswith("I could not read that time")
        assert content_store(keeper).events() == []


async def test_survey_lists_open_surveys_until_their_deadline(keeper):
    with time_machine.travel(NOW, tick=True) as clock:
        assert (await ask(keeper, ANNA, "/survey")).text == "Открытых опросов сейчас нет."
        post = keeper.emu.post_to_channel(
            CHANNEL_ID, "Запустили опрос про зарплаты в ML. Пройдите анкету до 20 марта: https://forms.gle/abc123")
        await eventually(lambda: keeper.services.archive.get(CHANNEL_ID, post.message_id))
        msg = await ask(keeper, JOHN, "/survey")
        assert msg.text.startswith("📋 Open surveys")
        assert "until 20.03.2025 23:59 MSK" in msg.text
        links = {e.extract_from(msg.text): e.url for e in msg.entities if e.type == "text_link"}
        assert links["Link"] == "https://forms.gle/abc123"
        listing = await ask(keeper, ANNA, "/events")  # a survey, and no stream to put above it
        assert listing.text.startswith("📅 Что впереди\n\nЭфиров пока не объявлено.\n\n📋 Открытые опросы")
        clock.move_to(datetime(2025, 3, 21, 12, 0, tzinfo=MSK))
        assert (await ask(keeper, ANNA, "/survey")).text == "Открытых опросов сейчас нет."


async def test_event_lines_say_the_date_once_and_the_survey_link_once(keeper):
    with time_machine.travel(NOW, tick=True):
        row = await announce(keeper, "Стрим 20 марта в 19:00 по Москве: разберём статьи про квантизацию")
        post = keeper.emu.post_to_channel(CHANNEL_ID, "Пройдите опрос про зарплаты в ML https://forms.gle/abc123 до 20 марта")
        await eventually(lambda: keeper.services.archive.get(CHANNEL_ID, post.message_id))
        events = await ask(keeper, ANNA, "/events")
        assert f"📺 #{row.id} Стрим: разберём статьи про квантизацию — 20.03.2025 19:00 МСК" in events.text
        survey = await ask(keeper, ANNA, "/survey")
        assert "Пройдите опрос про зарплаты в ML — до 20.03.2025 23:59 МСК" in survey.text
        assert "forms.gle" not in survey.text  # the address is behind the link, once
        links = [e.url for e in survey.entities if e.type == "text_link"]
        assert links.count("https://forms.gle/abc123") == 1
