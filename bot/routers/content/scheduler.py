"""APScheduler 3.x wiring: one AsyncIOScheduler per dispatcher, jobs persisted in SQLite.

The scheduler is created in `setup()` and started on dispatcher startup (inside the
running loop); it is shut down on dispatcher shutdown. Jobs live in a
SQLAlchemyJobStore on the bot's own database file, so a restart between scheduling
and firing keeps them. Every job has a fixed id and is added with
`replace_existing=True`; job functions are referenced by name ("module:function") and
take ids only, so they pickle. Sending is made idempotent by the jobs themselves
(see jobs.py and the claim_* functions in store.py).
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from archive.events import Event, reminder_times
from bot.settings import Settings

log = logging.getLogger(__name__)

JOBS_TABLE = "content_jobs"
DIGEST_JOB = "digest:weekly"
JOB_REMINDER = "bot.routers.content.jobs:send_reminder"
JOB_DIGEST = "bot.routers.content.jobs:send_weekly_digest"
JOB_POST = "bot.routers.content.jobs:publish_scheduled"

# How late a job may still run (after a restart or a stall); later runs are dropped.
DIGEST_GRACE = 6 * 3600
POST_GRACE = 24 * 3600
REMINDER_GRACE_MAX = 6 * 3600


def reminder_job_id(event_id: int, offset: int) -> str:
    return f"reminder:{event_id}:{offset}"


def post_job_id(post_id: int) -> str:
    return f"post:{post_id}"


def make_scheduler(settings: Settings) -> AsyncIOScheduler:
    """A scheduler in the configured zone; jobs stored in the bot's SQLite file."""
    if settings.db == ":memory:":
        store = MemoryJobStore()
    else:
        store = SQLAlchemyJobStore(url=f"sqlite:///{settings.db}", tablename=JOBS_TABLE)
    return AsyncIOScheduler(
        jobstores={"default": store}, timezone=ZoneInfo(settings.timezone),
        # coalesce: several missed runs of one job become one run; max_instances=1: a slow
        # digest never overlaps the next one.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )


def _at(ts: int, tz: str) -> datetime:
    return datetime.fromtimestamp(ts, ZoneInfo(tz))


def schedule_digest(scheduler: AsyncIOScheduler, settings: Settings) -> None:
    hour, minute = map(int, settings.digest_time.split(":"))
    if not settings.digest_enabled:
        if scheduler.get_job(DIGEST_JOB):
            scheduler.remove_job(DIGEST_JOB)
        return
    trigger = CronTrigger(day_of_week=settings.digest_day, hour=hour, minute=minute,
                          timezone=ZoneInfo(settings.timezone))
    scheduler.add_job(JOB_DIGEST, trigger, id=DIGEST_JOB, name="weekly digest", replace_existing=True,
                      misfire_grace_time=DIGEST_GRACE, coalesce=True)


def event_of_row(row: dict) -> Event:
    return Event(post_id=0, message_id=row.get("anchor_message_id") or 0, kind=row["kind"], title=row["title"],
                 starts_at=row["starts_at"], tz=row["tz"], link=row.get("link"), url=row.get("url"),
                 has_time=bool(row["has_time"]))


def unschedule_reminders(scheduler: AsyncIOScheduler, event_id: int) -> None:
    prefix = f"reminder:{event_id}:"
    for job in scheduler.get_jobs():
        if job.id.startswith(prefix):
            job.remove()


def schedule_reminders(scheduler: AsyncIOScheduler, row: dict, offsets, now: float) -> list[str]:
    """(Re)schedule the reminders of an event row; returns the job ids now pending.

    Old reminders of the event are removed first (an edit moves them). A reminder may run
    up to half its offset late (capped), so "1 h before" never arrives after the start.
    """
    unschedule_reminders(scheduler, row["id"])
    if row["status"] != "active":
        return []
    ids = []
    for offset, fire_at in reminder_times(event_of_row(row), offsets, now):
        job_id = reminder_job_id(row["id"], offset)
        scheduler.add_job(JOB_REMINDER, DateTrigger(_at(fire_at, row["tz"])), id=job_id,
                          args=[row["id"], offset, row["starts_at"]], name=f"reminder {row['title'][:40]}",
                          replace_existing=True, coalesce=True,
                          misfire_grace_time=max(60, min(offset // 2, REMINDER_GRACE_MAX)))
        ids.append(job_id)
    return ids


def schedule_post(scheduler: AsyncIOScheduler, post_id: int, publish_at: int, tz: str) -> str:
    job_id = post_job_id(post_id)
    scheduler.add_job(JOB_POST, DateTrigger(_at(publish_at, tz)), id=job_id, args=[post_id],
                      name=f"post {post_id}", replace_existing=True, coalesce=True,
                      misfire_grace_time=POST_GRACE)
    return job_id


def unschedule_post(scheduler: AsyncIOScheduler, post_id: int) -> None:
    job = scheduler.get_job(post_job_id(post_id))
    if job:
        job.remove()
