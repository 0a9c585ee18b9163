"""APScheduler 3.x wiring for the content jobs: the scheduler, job ids, triggers and grace times.

One AsyncIOScheduler per dispatcher, its jobs in memory: start-up rebuilds every job from
the content tables (ContentJobs.restore), including runs the bot was down for that are
still within their grace time, so nothing needs to persist inside the scheduler. Every
job has a fixed id and is added with `replace_existing=True`, and sets its own
`misfire_grace_time` and `coalesce`. The jobs make sending idempotent themselves.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.settings import Settings

DIGEST_JOB = "digest:weekly"
_POST = "post:"
_REMINDER = "reminder:"

# How late a job may still run (after a restart or a stall); later runs are dropped.
DIGEST_GRACE = 6 * 3600
POST_GRACE = 24 * 3600


def reminder_job_id(event_id: int, offset: int) -> str:
    return f"{_REMINDER}{event_id}:{offset}"


def is_reminder_of(job_id: str, event_id: int) -> bool:
    return job_id.startswith(f"{_REMINDER}{event_id}:")


def post_job_id(post_id: int) -> str:
    return f"{_POST}{post_id}"


def post_of_job(job_id: str) -> int | None:
    """The post a job publishes, None for other jobs."""
    return int(job_id.removeprefix(_POST)) if job_id.startswith(_POST) else None


def make_scheduler(timezone: str) -> AsyncIOScheduler:
    # coalesce: several missed runs of one job become one run; max_instances=1: a slow
    # digest never overlaps the next one.
    return AsyncIOScheduler(timezone=ZoneInfo(timezone), job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})


def moment(ts: float, tz: str) -> datetime:
    return datetime.fromtimestamp(ts, ZoneInfo(tz))


def digest_trigger(settings: Settings) -> CronTrigger:
    hour, minute = map(int, settings.digest_time.split(":"))
    return CronTrigger(day_of_week=settings.digest_day, hour=hour, minute=minute,
                       timezone=ZoneInfo(settings.timezone))


def missed_run(trigger: CronTrigger, now: datetime, grace: int) -> datetime | None:
    """A run due within the last `grace` seconds (the bot was down at that time), or None."""
    run = trigger.get_next_fire_time(None, now - timedelta(seconds=grace))
    return run if run is not None and run <= now else None
