"""The content feature's tables, as numbered migrations.

- content_events: events added by admins, and channel announcements the bot schedules
  reminders for (`anchor_message_id` is the first channel message announcing it).
- content_reminders_sent: one row per reminder actually claimed for sending; the key
  includes the start time, so moving an event re-arms its reminders.
- content_digests: one row per ISO week key (the once-per-week guarantee).
- content_posts: drafts and scheduled posts written to the bot for the channel.

There is no table of scheduled jobs: start-up rebuilds them from these (m005 drops the
old APScheduler job store).

The migration names are the ones databases already carry: never rename them.
"""
from sqlite_utils import Migrations

migrations = Migrations("content")


@migrations()
def m001_events(db):
    db["content_events"].create({
        "id": int, "source": str, "anchor_message_id": int, "kind": str, "title": str,
        "starts_at": int, "has_time": int, "tz": str, "link": str, "url": str,
        "status": str, "edited": int, "created_by": int, "created_at": int, "updated_at": int,
    }, pk="id", not_null={"source", "kind", "title", "status"},
        defaults={"status": "active", "edited": 0, "has_time": 1})
    db["content_events"].create_index(["source", "anchor_message_id"], unique=True)


@migrations()
def m002_reminders_sent(db):
    db["content_reminders_sent"].create({
        "event_id": int, "offset": int, "starts_at": int, "sent_at": int, "message_id": int,
    }, pk=("event_id", "offset", "starts_at"))


@migrations()
def m003_digests(db):
    db["content_digests"].create({
        "week_key": str, "since": int, "until": int, "status": str, "chat_id": int,
        "message_id": int, "created_at": int,
    }, pk="week_key")


@migrations()
def m004_posts(db):
    db["content_posts"].create({
        "id": int, "author_id": int, "lang": str, "kind": str, "text": str, "entities": str, "file_id": str,
        "status": str, "publish_at": int, "created_at": int, "updated_at": int,
        "channel_message_id": int, "error": str,
    }, pk="id", not_null={"author_id", "kind", "status"})
    db["content_posts"].create_index(["status", "publish_at"])


@migrations()
def m005_drop_job_store(db):
    """Jobs are rebuilt from these tables at start-up; the scheduler's old SQLAlchemy table goes."""
    db["content_jobs"].drop(ignore=True)
