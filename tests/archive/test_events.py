from datetime import datetime, timezone

import pytest

from archive.events import (Event, event_of, extract_events, link_recordings, next_stream,
                            open_surveys, reminder_times, upcoming)
from archive.models import IncomingPost
from archive.store import Archive
from tests.sample import sample_archive

UTC = timezone.utc
AMA_START = int(datetime(2024, 8, 1, 16, 0, tzinfo=UTC).timestamp())  # 19:00 Moscow


@pytest.fixture(scope="module")
def events():
    return extract_events(sample_archive())


def write(archive, message_id, when, text):
    archive.write(IncomingPost(channel_id=1, message_id=message_id,
                               date=int(when.timestamp()), text=text))
    return archive.get(1, message_id)


def test_ama_announced_twice_is_one_event_at_19_moscow(events):
    ama = [e for e in events if e.kind == "ama"]
    assert len(ama) == 1
    (e,) = ama
    assert e.title == "Нейросети для Троечников"
    assert e.starts_at == AMA_START
    assert e.start.isoformat() == "2024-08-01T19:00:00+03:00"
    assert e.tz == "Europe/Moscow"
    assert e.message_ids == (1706, 1710)
    assert e.url == "https://t.me/boris_again/1710"


def test_recording_post_links_the_ama(events):
    (e,) = [e for e in events if e.kind == "ama"]
    assert e.recording_url == "https://www.youtube.com/watch?v=b3XogyyXgUs&feature=youtu.be"


def test_devcrowd_survey_found_and_nothing_else(events):
    surveys = [e for e in events if e.kind == "survey"]
    assert [e.message_id for e in surveys] == [1720]
    assert "DevCrowd" in surveys[0].title
    assert len(events) == 2  # paper reviews and notes are not events


def test_next_stream_and_upcoming(events):
    before = datetime(2024, 7, 31, 12, 0, tzinfo=UTC)
    assert next_stream(events, before).message_id == 1710
    assert next_stream(events, AMA_START + 1) is None
    assert [e.kind for e in upcoming(events, before)] == ["ama"]


def test_open_surveys_without_deadline_expire_after_a_month(events):
    posted = datetime(2024, 8, 5, 10, 40, tzinfo=UTC)
    assert [e.message_id for e in open_surveys(events, posted.timestamp() + 86400)] == [1720]
    assert open_surveys(events, posted.timestamp() + 40 * 86400) == []


def test_survey_deadline_in_russian():
    a = Archive(":memory:")
    post = write(a, 10, datetime(2024, 8, 5, 9, 0, tzinfo=UTC),
                 "Запустили опрос про зарплаты в ML. Пройдите анкету до 15 августа: https://forms.gle/abc123")
    e = event_of(post)
    assert e.kind == "survey"
    assert e.link == "https://forms.gle/abc123"
    deadline = datetime.fromtimestamp(e.deadline, UTC)
    assert deadline.isoformat() == "2024-08-15T20:59:59+00:00"  # end of 15 Aug, Moscow
    assert open_surveys([e], datetime(2024, 8, 15, 12, tzinfo=UTC))
    assert open_surveys([e], datetime(2024, 8, 16, 12, tzinfo=UTC)) == []


def test_english_stream_with_cet():
    a = Archive(":memory:")
    # Wednesday 16 October 2024; "next Friday" is 18 October; CET wall time is CEST in October.
    post = write(a, 11, datetime(2024, 10, 16, 9, 0, tzinfo=UTC),
                 "Live stream next Friday 18:00 CET: reading group on Mamba. Join https://youtube.com/live/xyz")
    e = event_of(post)
    assert e.kind == "stream"
    assert e.starts_at == int(datetime(2024, 10, 18, 16, 0, tzinfo=UTC).timestamp())
    assert e.tz == "Europe/Berlin"
    assert e.link == "https://youtube.com/live/xyz"


@pytest.mark.parametrize("text, posted, expected", [
    ("Стрим сегодня в 20:00 МСК", datetime(2024, 8, 2, 9, 0, tzinfo=UTC), datetime(2024, 8, 2, 17, 0, tzinfo=UTC)),
    ("Доклад 15.08 в 18:00", datetime(2024, 8, 2, 9, 0, tzinfo=UTC), datetime(2024, 8, 15, 15, 0, tzinfo=UTC)),
    ("Уже завтра стрим!\nНачнём в 19:00", datetime(2024, 8, 2, 9, 0, tzinfo=UTC), datetime(2024, 8, 3, 16, 0, tzinfo=UTC)),
    ("Talk on 3 September at 7pm UTC", datetime(2024, 8, 2, 9, 0, tzinfo=UTC), datetime(2024, 9, 3, 19, 0, tzinfo=UTC)),
])
def test_start_times_from_post_text(text, posted, expected):
    a = Archive(":memory:")
    e = event_of(write(a, 12, posted, text))
    assert e is not None and e.starts_at == int(expected.timestamp())


def test_recording_linked_by_title_from_a_later_post():
    a = Archive(":memory:")
    write(a, 1, datetime(2024, 9, 1, 9, tzinfo=UTC), 'Стрим "Разбор Llama 3" 5 сентября в 19:00 по Москве')
    write(a, 2, datetime(2024, 9, 7, 9, tzinfo=UTC), "Запись стрима «Разбор Llama 3»: https://youtu.be/abc")
    (e,) = extract_events(a)
    assert e.title == "Разбор Llama 3"
    assert e.recording_url == "https://youtu.be/abc"
    assert link_recordings([e], []) == [e]


def test_reminder_times_skip_past_ones():
    e = Event(post_id=1, message_id=1, kind="stream", title="x", starts_at=AMA_START)
    assert reminder_times(e, now=AMA_START - 2 * 86400) == [(86400, AMA_START - 86400), (3600, AMA_START - 3600)]
    assert reminder_times(e, now=AMA_START - 7200) == [(3600, AMA_START - 3600)]
    assert reminder_times(e, now=AMA_START + 1) == []
    day_only = Event(post_id=1, message_id=1, kind="stream", title="x", starts_at=AMA_START, has_time=False)
    assert reminder_times(day_only, now=0) == []


@pytest.mark.parametrize("text, title", [
    ("Стрим 20 декабря в 19:00 по Москве: разберём статьи про квантизацию", "Стрим: разберём статьи про квантизацию"),
    ("Live stream next Friday 18:00 CET: reading group on Mamba. Join https://youtube.com/live/xyz",
     "Live stream: reading group on Mamba"),
    ("Пройдите опрос про зарплаты https://forms.gle/abc123 до 15 августа", "Пройдите опрос про зарплаты"),
])
def test_title_leaves_out_links_and_the_date_shown_beside_it(text, title):
    post = write(Archive(":memory:"), 12, datetime(2024, 8, 5, 9, 0, tzinfo=UTC), text)
    assert event_of(post).title == title


def test_two_streams_left_with_a_bare_title_stay_two():
    a = Archive(":memory:")
    write(a, 13, datetime(2024, 8, 5, 9, 0, tzinfo=UTC), "Стрим 10 августа в 19:00")
    write(a, 14, datetime(2024, 8, 12, 9, 0, tzinfo=UTC), "Стрим 17 августа в 19:00")
    assert [e.title for e in extract_events(a)] == ["Стрим", "Стрим"]
