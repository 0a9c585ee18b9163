"""ContentStore: what each call leaves in the content tables, and the guards that make jobs run once."""
from __future__ import annotations

import pytest
from sqlite_utils import Database

from archive.events import Event
from content.digests import DigestStatus
from content.events import EventSource, EventStatus, Reminder
from content.migrations import migrations
from content.posts import IllegalMove, PostContent, PostKind, PostStatus

T0 = 1_741_600_000
START = T0 + 2 * 86400
DRAFT = PostContent(PostKind.TEXT, "Новый разбор выйдет завтра", '[{"type": "bold", "offset": 0, "length": 5}]')


def announced(message_ids=(10,), starts_at=START, title="Стрим про RLHF") -> Event:
    return Event(post_id=1, message_id=message_ids[0], kind="stream", title=title, starts_at=starts_at,
                 url="https://t.me/boris_again/10", message_ids=tuple(message_ids))


def test_the_migration_names_stay_what_databases_carry(tmp_path):
    db = Database(tmp_path / "old.db")
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == [
        "m001_events", "m002_reminders_sent", "m003_digests", "m004_posts", "m005_drop_job_store"]
    assert migrations.name == "content"


def test_the_old_job_store_table_goes(tmp_path):
    db = Database(tmp_path / "old.db")
    migrations.apply(db)
    # as the previous version left it: m001..m004 applied, APScheduler's jobs in their own table
    db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'content' AND name = 'm005_drop_job_store'")
    db["content_jobs"].insert({"id": "post:1", "next_run_time": 0.0, "job_state": b"pickled"})
    migrations.apply(db)
    assert "content_jobs" not in db.table_names()
    assert {"content_events", "content_posts", "content_digests", "content_reminders_sent"} <= set(db.table_names())


def test_a_draft_is_stored_as_written(store):
    post = store.add_post(100, "en", DRAFT, now=T0)
    assert (post.author_id, post.lang, post.content, post.status) == (100, "en", DRAFT, PostStatus.DRAFT)
    assert store.post(post.id) == post
    assert store.db["content_posts"].get(post.id)["status"] == "draft"


def test_a_post_moves_once_and_only_from_where_it_was(store):
    post = store.add_post(100, "ru", DRAFT, now=T0)
    assert store.move_post(post.id, PostStatus.DRAFT, PostStatus.SCHEDULED, T0 + 1, publish_at=START)
    assert not store.move_post(post.id, PostStatus.DRAFT, PostStatus.PUBLISHING, T0 + 2)  # an old Publish button
    assert store.move_post(post.id, PostStatus.SCHEDULED, PostStatus.PUBLISHING, T0 + 3)
    assert store.move_post(post.id, PostStatus.PUBLISHING, PostStatus.PUBLISHED, T0 + 4, channel_message_id=77)
    moved = store.post(post.id)
    assert (moved.status, moved.publish_at, moved.channel_message_id, moved.updated_at) == (
        PostStatus.PUBLISHED, START, 77, T0 + 4)
    assert store.posts(PostStatus.PUBLISHED) == [moved] and store.posts(PostStatus.SCHEDULED) == []


def test_a_move_the_state_machine_refuses_changes_nothing(store):
    post = store.add_post(100, "ru", DRAFT, now=T0)
    with pytest.raises(IllegalMove):
        store.move_post(post.id, PostStatus.DRAFT, PostStatus.PUBLISHED, T0 + 1)
    assert store.post(post.id) == post


def test_scheduled_posts_come_by_publish_time(store):
    later, sooner = (store.add_post(100, "ru", DRAFT, now=T0) for _ in range(2))
    store.move_post(later.id, PostStatus.DRAFT, PostStatus.SCHEDULED, T0, publish_at=START + 60)
    store.move_post(sooner.id, PostStatus.DRAFT, PostStatus.SCHEDULED, T0, publish_at=START)
    assert [p.id for p in store.posts(PostStatus.SCHEDULED)] == [sooner.id, later.id]


def test_channel_events_are_found_by_any_of_their_messages(store):
    record = store.add_channel_event(announced((10, 11)), now=T0)
    assert (record.source, record.anchor_message_id, record.status, record.edited) == (
        EventSource.CHANNEL, 10, EventStatus.ACTIVE, False)
    assert store.event_by_anchor([11, 10]) == record
    assert store.event_by_anchor([12]) is None and store.event_by_anchor([]) is None
    admin = store.add_admin_event(kind="stream", title="Разбор", starts_at=START, tz="Europe/Moscow",
                                  created_by=101, now=T0)
    assert store.event_by_anchor([admin.anchor_message_id]) is None


def test_following_the_channel_moving_and_cancelling(store):
    record = store.add_channel_event(announced(), now=T0)
    followed = store.follow_channel(record.id, announced(starts_at=START + 1800, title="Стрим про DPO"), now=T0 + 1)
    assert (followed.starts_at, followed.title, followed.edited, followed.updated_at) == (
        START + 1800, "Стрим про DPO", False, T0 + 1)
    moved = store.move_event(record.id, START + 3600, "Europe/Berlin", now=T0 + 2)
    assert (moved.starts_at, moved.tz, moved.has_time, moved.edited) == (START + 3600, "Europe/Berlin", True, True)
    cancelled = store.cancel_event(record.id, now=T0 + 3)
    assert cancelled.status is EventStatus.CANCELLED
    assert store.events() == [] and store.events(status=None) == [cancelled]


def test_events_come_soonest_first(store):
    late = store.add_channel_event(announced((10,), START + 60), now=T0)
    early = store.add_channel_event(announced((20,), START), now=T0)
    assert [e.id for e in store.events()] == [early.id, late.id]


def test_a_reminder_is_claimed_once_unless_given_back(store):
    reminder = Reminder(1, 3600, START, START - 3600)
    assert not store.is_claimed(reminder)
    assert store.claim_reminder(reminder, now=T0)
    assert store.is_claimed(reminder) and not store.claim_reminder(reminder, now=T0 + 1)
    store.release_reminder(reminder)  # the send failed
    assert store.claim_reminder(reminder, now=T0 + 2)
    store.reminder_sent(reminder, 555)
    assert store.db["content_reminders_sent"].get((1, 3600, START))["message_id"] == 555
    assert store.claim_reminder(Reminder(1, 3600, START + 600, START - 3000), now=T0)  # the event moved


def test_a_week_has_one_digest(store):
    assert store.last_digest() is None
    assert store.claim_digest("2025-W11", T0 - 7 * 86400, T0, now=T0)
    assert not store.claim_digest("2025-W11", T0 - 7 * 86400, T0 + 5, now=T0 + 5)
    store.finish_digest("2025-W11", DigestStatus.SENT, -100, 42)
    (sent,) = store.digests()
    assert (sent.week_key, sent.status, sent.chat_id, sent.message_id) == ("2025-W11", DigestStatus.SENT, -100, 42)
    assert store.claim_digest("2025-W12", T0, T0 + 7 * 86400, now=T0 + 7 * 86400)
    store.release_digest("2025-W12")  # not sent: the week stays open
    assert store.last_digest() == sent
    assert store.claim_digest("2025-W12", T0, T0 + 7 * 86400, now=T0 + 7 * 86400)
