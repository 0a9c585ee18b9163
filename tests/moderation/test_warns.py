import pytest

from moderation.durations import DAY
from moderation.votes import Punishment
from moderation.warns import WarnBook, WarnPolicy

CHAT, USER, ADMIN = -1001, 42, 7
T0 = 1_700_000_000.0


@pytest.fixture
def warns(db):
    return WarnBook(db)


def test_third_warn_mutes_for_a_day_and_resets(warns):
    r1 = warns.add(CHAT, USER, ADMIN, T0, "insult")
    r2 = warns.add(CHAT, USER, ADMIN, T0 + 60, "insult again")
    assert (r1.active, r1.punishment, r2.active, r2.punishment) == (1, None, 2, None)
    r3 = warns.add(CHAT, USER, ADMIN, T0 + 120, "third")
    assert r3.limit_reached and r3.active == 3 and r3.limit == 3
    assert r3.punishment == Punishment("mute", DAY)
    # punished once; the count starts over
    assert warns.active(CHAT, USER, T0 + 121) == []
    r4 = warns.add(CHAT, USER, ADMIN, T0 + 200)
    assert r4.active == 1 and r4.punishment is None


def test_warns_expire_after_30_days(warns):
    warns.add(CHAT, USER, ADMIN, T0)
    warns.add(CHAT, USER, ADMIN, T0 + 10 * DAY)
    assert len(warns.active(CHAT, USER, T0 + 30 * DAY - 1)) == 2
    assert len(warns.active(CHAT, USER, T0 + 30 * DAY)) == 1
    # the expired one no longer pushes towards the limit
    r = warns.add(CHAT, USER, ADMIN, T0 + 31 * DAY)
    assert r.active == 2 and r.punishment is None


def test_unwarn_removes_the_newest_active_warn(warns):
    first = warns.add(CHAT, USER, ADMIN, T0, "one").warn
    second = warns.add(CHAT, USER, ADMIN, T0 + 1, "two").warn
    removed = warns.remove_last(CHAT, USER, ADMIN, T0 + 2)
    assert removed.id == second.id and removed.reason == "two"
    assert [w.id for w in warns.active(CHAT, USER, T0 + 3)] == [first.id]
    warns.remove_last(CHAT, USER, ADMIN, T0 + 4)
    assert warns.remove_last(CHAT, USER, ADMIN, T0 + 5) is None


def test_warns_are_per_chat_and_per_user(warns):
    warns.add(CHAT, USER, ADMIN, T0)
    warns.add(CHAT, USER + 1, ADMIN, T0)
    warns.add(CHAT - 1, USER, ADMIN, T0)
    assert len(warns.active(CHAT, USER, T0 + 1)) == 1


def test_custom_policy_ban_on_second_warn(db):
    book = WarnBook(db, WarnPolicy(limit=2, action=Punishment("ban", None), expire_after=None))
    book.add(CHAT, USER, ADMIN, T0)
    r = book.add(CHAT, USER, ADMIN, T0 + 400 * DAY)  # never expires
    assert r.punishment == Punishment("ban", None)


def test_policy_validation():
    with pytest.raises(ValueError):
        WarnPolicy(limit=0)
