from datetime import datetime, timezone

import pytest

from archive.digest import build_digest, week_bounds, week_key
from tests.sample import CHANNEL_ID, sample_archive

UTC = timezone.utc


@pytest.fixture()
def archive():
    return sample_archive()


def test_week_key_is_iso_week_in_the_zone():
    assert week_key(datetime(2024, 8, 5, 10, tzinfo=UTC)) == "2024-W32"
    # Sunday 23:30 UTC is already Monday in Moscow: the next week there, not in UTC.
    sunday_late = datetime(2024, 8, 4, 23, 30, tzinfo=UTC)
    assert week_key(sunday_late, "UTC") == "2024-W31"
    assert week_key(sunday_late, "Europe/Moscow") == "2024-W32"
    assert week_key(int(sunday_late.timestamp()), "UTC") == "2024-W31"
    assert week_key(datetime(2021, 1, 2, tzinfo=UTC), "UTC") == "2020-W53"


def test_digest_of_the_ama_week_has_event_and_other_posts(archive):
    digest = build_digest(archive, *week_bounds("2024-W31"))
    assert [i.title for i in digest.events] == ["Нейросети для Троечников"]
    assert digest.events[0].starts_at == 1_722_528_000 and digest.events[0].has_time  # 01.08 19:00 in Moscow
    assert digest.papers == []
    titles = [i.title for i in digest.other]
    assert "Открыл для себя tldraw, отличная штука для диаграм." in titles
    assert "Оказывается вчера вышел Segment Anything 2!" in titles  # not the bare link


def test_digest_papers_section_and_reaction_order(archive):
    archive.set_reactions(CHANNEL_ID, 1702, {"👍": 3})
    archive.set_reactions(CHANNEL_ID, 1704, {"🔥": 10, "👍": 2})
    digest = build_digest(archive, *week_bounds("2024-W30"))
    assert [i.title for i in digest.papers][:2] == [
        "PV-Tuning: Beyond Straight-Through Estimation for Extreme LLM Compression",
        "In-Context Reinforcement Learning for Variable Action Spaces"]
    assert [i.reaction_total for i in digest.papers] == [12, 3, None, None]
    # unknown reactions: by date, oldest first
    assert [i.url.rsplit("/", 1)[1] for i in digest.papers[2:]] == ["1701", "1703"]


def test_nothing_new_gives_none(archive):
    since = datetime(2024, 9, 1, tzinfo=UTC)
    assert build_digest(archive, since, datetime(2024, 9, 8, tzinfo=UTC)) is None


def test_injected_papers_and_events_functions(archive):
    digest = build_digest(archive, *week_bounds("2024-W33"),
                          papers_fn=lambda post: None, events_fn=lambda posts: [])
    assert digest.papers == [] and digest.events == []
    assert len(digest.other) == 2


def test_survey_deadline_is_a_moment_not_words(archive):
    from archive.events import Event
    survey = Event(10, 1710, "survey", "Опрос про стримы", None, "UTC", deadline=1_722_900_000)
    digest = build_digest(archive, *week_bounds("2024-W31"), events_fn=lambda posts: [survey])
    assert digest.events[0].deadline == 1_722_900_000 and digest.events[0].detail is None
