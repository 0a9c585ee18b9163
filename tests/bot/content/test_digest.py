"""The weekly digest (scheduled, once per ISO week, nothing new -> nothing) and /digest on demand."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from bot.routers.content.scheduler import DIGEST_JOB
from content.digests import DigestStatus
from sandbox.keeper import CHANNEL_ID, CHAT_ID
from tests.bot.content.helpers import content_jobs, content_store, scheduler
from tests.bot.helpers import eventually

MSK = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2025, 3, 10, 12, 0, tzinfo=MSK)
SUNDAY_1800 = datetime(2025, 3, 16, 18, 0, tzinfo=MSK)
JOHN = 1003

REVIEW = ("# Mixture of Depths: Dynamically Allocating Compute in Transformers\nRaposo et al.\n"
          "Авторы предлагают пропускать слои для простых токенов: роутер решает, какие токены пройдут "
          "через блок. " + "Подробности разбора статьи. " * 30 + "\n#paperwatch")
STREAM = "Стрим в четверг в 19:00 МСК: «Разбор RLHF». https://youtube.com/live/abc"
NOTE_A = "Заметка: как мы чистили датасет от дублей"
NOTE_B = "Вакансия в нашей команде <ML engineer>"


def digests_in_chat(keeper) -> list[str]:
    return [m.text for m in keeper.emu.sent(CHAT_ID) if m.text and m.text.startswith("Дайджест")]


async def post(keeper, text: str, reactions: int = 0) -> int:
    msg = keeper.emu.post_to_channel(CHANNEL_ID, text)
    archive = keeper.services.archive
    await eventually(lambda: archive.get(CHANNEL_ID, msg.message_id))
    if reactions:
        keeper.emu.react(CHANNEL_ID, msg.message_id, {"👍": reactions})
        await eventually(lambda: archive.get(CHANNEL_ID, msg.message_id).reactions)
    return msg.message_id


async def test_weekly_digest_content_and_once_per_week(keeper):
    with time_machine.travel(MONDAY, tick=True) as clock:
        await keeper.restart()  # the digest job is planned from "now"
        job = scheduler(keeper).get_job(DIGEST_JOB)
        assert job.next_run_time == SUNDAY_1800
        review = await post(keeper, REVIEW, reactions=3)
        await post(keeper, STREAM)
        quiet = await post(keeper, NOTE_A)
        loud = await post(keeper, NOTE_B, reactions=7)

        clock.move_to(SUNDAY_1800.replace(second=1))
        mark = keeper.emu.mark()
        scheduler(keeper).wakeup()
        digest = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark)
        text = digest.text
        assert text.startswith("Дайджест за 10–16 марта")
        assert text.index("📄 Статьи") < text.index("Mixture of Depths") < text.index("📅 События")
        assert text.index("📅 События") < text.index("Разбор RLHF") < text.index("📝 Посты")
        assert text.index("<ML engineer>") < text.index("как мы чистили")  # 7 reactions before none
        assert "Разбор RLHF — 13.03 19:00 МСК" in text and "MSK" not in text
        urls = {e.url for e in digest.entities if e.type == "text_link"}
        assert {f"https://t.me/boris_again/{m}" for m in (review, quiet, loud)} <= urls
        await eventually(lambda: scheduler(keeper).get_job(DIGEST_JOB).next_run_time
                         == datetime(2025, 3, 23, 18, 0, tzinfo=MSK))

        # the same week again: by hand, and after a restart
        assert await content_jobs(keeper).send_weekly_digest() == "already sent"
        await keeper.restart()
        assert await content_jobs(keeper).send_weekly_digest() == "already sent"
        assert digests_in_chat(keeper) == [text]
        (row,) = content_store(keeper).digests()
        assert (row.week_key, row.status, row.message_id) == ("2025-W11", DigestStatus.SENT, digest.message_id)

        # a week with nothing new: no digest at all
        clock.move_to(datetime(2025, 3, 23, 18, 0, 1, tzinfo=MSK))
        assert await content_jobs(keeper).send_weekly_digest() == "empty"
        assert digests_in_chat(keeper) == [text]

        # the next week covers only what is new since the last digest
        clock.move_to(datetime(2025, 3, 26, 12, 0, tzinfo=MSK))
        await post(keeper, "Новая заметка про квантизацию")
        clock.move_to(datetime(2025, 3, 30, 18, 0, 1, tzinfo=MSK))
        assert await content_jobs(keeper).send_weekly_digest() == "sent"
        latest = digests_in_chat(keeper)[-1]
        assert "квантизацию" in latest and "Mixture of Depths" not in latest


async def test_a_digest_due_while_the_bot_was_down_comes_when_it_starts_within_six_hours(keeper):
    with time_machine.travel(MONDAY, tick=True) as clock:
        await post(keeper, NOTE_B, reactions=7)
        await keeper.stop_bot()
        clock.move_to(SUNDAY_1800.replace(hour=19))
        mark = keeper.emu.mark()
        await keeper.start_bot()
        digest = await keeper.emu.wait_for_sent(chat_id=CHAT_ID, since=mark)
        assert digest.text.startswith("Дайджест за 10–16 марта") and "<ML engineer>" in digest.text

        await post(keeper, NOTE_A)
        await keeper.stop_bot()
        clock.move_to(datetime(2025, 3, 24, 0, 5, tzinfo=MSK))  # the next Sunday's run is 6 h 5 min late
        await keeper.start_bot()
        assert scheduler(keeper).get_job(DIGEST_JOB).next_run_time == datetime(2025, 3, 30, 18, 0, tzinfo=MSK)
        assert digests_in_chat(keeper) == [digest.text]


async def test_digest_on_demand_in_the_users_language(keeper):
    with time_machine.travel(MONDAY, tick=True) as clock:
        await post(keeper, REVIEW)
        await post(keeper, NOTE_B)
        clock.move_to(datetime(2025, 3, 12, 12, 0, tzinfo=MSK))
        mark = keeper.emu.mark()
        keeper.emu.send_message(JOHN, JOHN, "/digest 7d")
        msg = await keeper.emu.wait_for_sent(chat_id=JOHN, since=mark)
        assert msg.text.startswith("Digest for Mar")
        assert "📄 Papers" in msg.text and "📝 Posts" in msg.text and "<ML engineer>" in msg.text

        clock.move_to(datetime(2025, 5, 1, 12, 0, tzinfo=MSK))
        mark = keeper.emu.mark()
        keeper.emu.send_message(JOHN, JOHN, "/digest 30d")
        msg = await keeper.emu.wait_for_sent(chat_id=JOHN, since=mark)
        assert msg.text == "Nothing new in the channel in the last 30 days."
        mark = keeper.emu.mark()
        keeper.emu.send_message(JOHN, JOHN, "/digest forever")
        msg = await keeper.emu.wait_for_sent(chat_id=JOHN, since=mark)
        assert msg.text.startswith("Give the period in days")
        assert digests_in_chat(keeper) == []  # on-demand digests go to the asker only
