import asyncio
import sqlite3
import threading

import pytest
from sqlite_utils import Database

from moderation import votes as v
from moderation.permissions import CAN_RESTRICT, Actor
from moderation.votebook import VoteBook
from moderation.votes import Eligibility, Punishment, VoteSettings
from moderation import migrate
from tests.moderation.helpers import moderation_db

CHAT = -100123
T0 = 1_700_000_000.0
SPAMMER = Actor.member(666)


def old_member(uid, messages=10):
    """Joined a day before the vote, wrote enough."""
    return Eligibility(uid, True, T0 - 86400, messages)


def start(book, initiator=1, target=SPAMMER, now=T0, **kw):
    return book.start(chat_id=CHAT, initiator=Actor.member(initiator),
                      initiator_facts=old_member(initiator), target=target, now=now, **kw)


@pytest.fixture
def book(db):
    return VoteBook(db, VoteSettings(threshold=3))


def test_settings_refuse_a_threshold_below_two():
    with pytest.raises(ValueError):
        VoteSettings(threshold=1)
    assert VoteSettings().threshold == 5 and VoteSettings().ttl == 1800
    assert VoteSettings().outcome == Punishment("kick", 86400)


def test_vote_passes_when_kick_reaches_threshold_and_initiator_counts(book):
    started = start(book, reason="spam links", target_message_id=42)
    assert isinstance(started, v.Started)
    vote = started.vote
    assert vote.counts == (1, 0)  # the initiator's kick is already in
    r = book.cast(vote.id, old_member(2), "kick", T0 + 10)
    assert isinstance(r, v.VoteCast) and r.vote.counts == (2, 0)
    closed = book.cast(vote.id, old_member(3), "kick", T0 + 20)
    assert isinstance(closed, v.Closed) and closed.status == v.PASSED
    assert closed.punishment == Punishment("kick", 86400)  # kicked with a 24 h re-entry ban
    assert book.get(vote.id).status == "passed"
    late = book.cast(vote.id, old_member(4), "kick", T0 + 30)
    assert isinstance(late, v.NotOpen)  # nobody is punished twice


def test_vote_fails_when_keep_reaches_threshold_first(book):
    vote = start(book).vote
    for uid in (2, 3):
        assert isinstance(book.cast(vote.id, old_member(uid), "keep", T0 + uid), v.VoteCast)
    closed = book.cast(vote.id, old_member(4), "keep", T0 + 5)
    assert closed.status == v.FAILED and closed.punishment is None


def test_vote_expires_without_punishment(book):
    vote = start(book).vote
    assert vote.expires_at == T0 + 1800
    book.cast(vote.id, old_member(2), "kick", T0 + 60)
    assert book.expire(vote.id, T0 + 1799) is None  # not yet
    assert book.due(T0 + 1799) == []
    closed = book.expire_due(T0 + 1800)
    assert [c.status for c in closed] == [v.EXPIRED] and closed[0].punishment is None
    assert isinstance(book.cast(vote.id, old_member(3), "kick", T0 + 1801), v.NotOpen)


def test_press_after_expiry_closes_the_vote_instead_of_counting(book):
    vote = start(book).vote
    r = book.cast(vote.id, old_member(2), "kick", T0 + 1800)
    assert isinstance(r, v.Closed) and r.status == v.EXPIRED and r.punishment is None
    assert book.get(vote.id).counts == (1, 0)


def test_switching_sides_moves_the_ballot(book):
    vote = start(book).vote
    book.cast(vote.id, old_member(2), "kick", T0 + 1)
    moved = book.cast(vote.id, old_member(2), "keep", T0 + 2)
    assert isinstance(moved, v.Moved) and moved.previous == "kick" and moved.choice == "keep"
    assert book.get(vote.id).counts == (1, 1)


def test_duplicate_press_counts_once(book):
    vote = start(book).vote
    book.cast(vote.id, old_member(2), "kick", T0 + 1)
    again = book.cast(vote.id, old_member(2), "kick", T0 + 2)
    assert isinstance(again, v.AlreadyVoted)
    assert book.get(vote.id).counts == (2, 0)
    assert isinstance(book.cast(vote.id, old_member(1), "kick", T0 + 3), v.AlreadyVoted)  # initiator


@pytest.mark.parametrize(
    "facts, reason",
    [
        (Eligibility(2, True, T0 + 5, 50), "too_new"),  # joined after the vote started
        (Eligibility(2, True, T0, 50), "too_new"),  # joined the same second
        (Eligibility(2, True, None, 50), "too_new"),  # never seen
        (Eligibility(2, True, T0 - 86400, 2), "too_few_messages"),
        (Eligibility(2, False, T0 - 86400, 50), "not_member"),  # left the chat
        (Eligibility(666, True, T0 - 86400, 50), "is_target"),
    ],
)
def test_ineligible_presses_are_not_counted(book, facts, reason):
    vote = start(book).vote
    r = book.cast(vote.id, facts, "kick", T0 + 10)
    assert isinstance(r, v.NotEligible) and r.reason == reason
    assert book.get(vote.id).counts == (1, 0)


def test_fresh_account_cannot_start_a_vote(book):
    r = book.start(chat_id=CHAT, initiator=Actor.member(7), initiator_facts=Eligibility(7, True, T0 - 60, 0),
                   target=SPAMMER, now=T0)
    assert isinstance(r, v.Refused) and r.reason == "too_few_messages"
    assert book.open_votes() == []


@pytest.mark.parametrize(
    "target, reason",
    [(Actor.admin(5, {CAN_RESTRICT}), "protected"), (Actor.creator(5), "protected"),
     (Actor.bot(99), "protected"), (Actor.member(1), "self")],
)
def test_cannot_start_a_vote_against_protected_targets(book, target, reason):
    r = start(book, target=target)
    assert isinstance(r, v.Refused) and r.reason == reason


def test_one_open_vote_per_target(book):
    first = start(book, initiator=1).vote
    second = start(book, initiator=2, now=T0 + 5)
    assert isinstance(second, v.Refused) and second.reason == "already_open" and second.vote_id == first.id
    other = start(book, initiator=2, target=Actor.member(777), now=T0 + 5)
    assert isinstance(other, v.Started)


def test_a_stale_open_vote_does_not_block_a_new_one(book):
    old = start(book, initiator=1).vote
    new = start(book, initiator=2, now=T0 + 1800)
    assert isinstance(new, v.Started)
    assert new.superseded.vote.id == old.id and new.superseded.status == v.EXPIRED


def test_initiator_cooldown(book):
    start(book, initiator=1, target=Actor.member(500))
    r = start(book, initiator=1, target=Actor.member(501), now=T0 + 599)
    assert isinstance(r, v.Refused) and r.reason == "cooldown" and r.retry_at == T0 + 600
    assert isinstance(start(book, initiator=1, target=Actor.member(501), now=T0 + 600), v.Started)


def test_chat_pause_after_successful_kick(book):
    vote = start(book, initiator=1).vote
    book.cast(vote.id, old_member(2), "kick", T0 + 10)
    book.cast(vote.id, old_member(3), "kick", T0 + 20)  # passes at T0+20
    r = start(book, initiator=4, target=Actor.member(777), now=T0 + 300)
    assert isinstance(r, v.Refused) and r.reason == "chat_paused" and r.retry_at == T0 + 320
    assert isinstance(start(book, initiator=4, target=Actor.member(777), now=T0 + 320), v.Started)


def test_failed_vote_does_not_pause_the_chat(book):
    vote = start(book, initiator=1).vote
    for uid in (2, 3, 4):
        book.cast(vote.id, old_member(uid), "keep", T0 + uid)
    assert isinstance(start(book, initiator=5, target=Actor.member(777), now=T0 + 10), v.Started)


def test_admin_cancels(book):
    vote = start(book).vote
    denied = book.cancel(vote.id, Actor.member(2), T0 + 5)
    assert isinstance(denied, v.Denied) and denied.decision.reason_code == "admin_only"
    closed = book.cancel(vote.id, Actor.admin(50, {CAN_RESTRICT}), T0 + 6)
    assert closed.status == v.CANCELLED and closed.punishment is None and closed.vote.settled_by == 50
    assert isinstance(book.cast(vote.id, old_member(3), "kick", T0 + 7), v.NotOpen)


def test_admin_decides_kick_or_keep(book):
    vote = start(book).vote
    closed = book.decide(vote.id, Actor.creator(50), kick=True, now=T0 + 5)
    assert closed.status == v.DECIDED and closed.punishment == Punishment("kick", 86400)
    assert book.get(vote.id).decision == "kick"
    assert isinstance(book.decide(vote.id, Actor.creator(50), kick=False, now=T0 + 6), v.NotOpen)
    other = start(book, initiator=2, target=Actor.member(777), now=T0 + 400).vote
    kept = book.decide(other.id, Actor.anonymous_admin(CHAT), kick=False, now=T0 + 401)
    assert kept.status == v.DECIDED and kept.punishment is None


def test_mute_outcome_and_channel_identity_target(db):
    book = VoteBook(db, VoteSettings(threshold=2, outcome=Punishment("mute", 3600)))
    vote = start(book).vote
    assert book.cast(vote.id, old_member(2), "kick", T0 + 1).punishment == Punishment("mute", 3600)
    chan = start(book, initiator=3, target=Actor.channel(-100999), now=T0 + 400).vote
    assert chan.target == v.Target(-100999, "chat")
    closed = book.cast(chan.id, old_member(4), "kick", T0 + 401)
    assert closed.punishment == Punishment("ban", None)  # banChatSenderChat has no until_date


def test_settings_are_snapshotted_per_vote(db):
    current = {"s": VoteSettings(threshold=3)}
    book = VoteBook(db, lambda chat_id: current["s"])
    vote = start(book).vote
    current["s"] = VoteSettings(threshold=10)
    book.cast(vote.id, old_member(2), "kick", T0 + 1)
    assert isinstance(book.cast(vote.id, old_member(3), "kick", T0 + 2), v.Closed)


def test_unknown_vote(book):
    assert isinstance(book.cast(12345, old_member(2), "kick", T0), v.NotFound)


def _race(book_for_thread, vote_id, voters, now):
    barrier = threading.Barrier(len(voters))
    results = []

    def press(uid):
        b = book_for_thread()
        barrier.wait()
        results.append(b.cast(vote_id, old_member(uid), "kick", now))

    threads = [threading.Thread(target=press, args=(uid,)) for uid in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_presses_on_separate_connections_settle_once(tmp_path):
    path = tmp_path / "race.db"
    book = VoteBook(moderation_db(path), VoteSettings(threshold=2))
    for round_ in range(5):
        now = T0 + round_ * 1000  # past the chat pause of the previous round
        vote = start(book, initiator=100 + round_, target=Actor.member(600 + round_), now=now).vote
        results = _race(lambda: VoteBook(moderation_db(path), VoteSettings(threshold=2)), vote.id, [2, 3, 4, 5], now + 1)
        assert sum(isinstance(r, v.Closed) for r in results) == 1
        assert sum(isinstance(r, v.NotOpen) for r in results) == 3
        final = book.get(vote.id)
        assert final.status == "passed" and final.counts == (2, 0)  # late presses never recorded


def test_concurrent_presses_on_one_shared_connection_settle_once(tmp_path):
    shared = Database(sqlite3.connect(str(tmp_path / "shared.db"), check_same_thread=False))
    migrate(shared)
    book = VoteBook(shared, VoteSettings(threshold=3))
    vote = start(book).vote
    results = _race(lambda: book, vote.id, list(range(2, 12)), T0 + 1)
    assert sum(isinstance(r, v.Closed) for r in results) == 1
    assert book.get(vote.id).counts == (3, 0)


async def test_concurrent_tasks_settle_once(tmp_path):
    shared = Database(sqlite3.connect(str(tmp_path / "tasks.db"), check_same_thread=False))
    migrate(shared)
    book = VoteBook(shared, VoteSettings(threshold=3))
    vote = start(book).vote

    async def press(uid):  # a handler that offloads the DB call
        return await asyncio.to_thread(book.cast, vote.id, old_member(uid), "kick", T0 + 1)

    async def press_inline(uid):  # a handler that calls it on the loop
        await asyncio.sleep(0)
        return book.cast(vote.id, old_member(uid), "kick", T0 + 1)

    results = await asyncio.gather(*(press(u) for u in range(2, 8)), *(press_inline(u) for u in range(8, 12)))
    closed = [r for r in results if isinstance(r, v.Closed)]
    assert len(closed) == 1 and closed[0].punishment is not None
    assert book.get(vote.id).counts == (3, 0)


def test_pure_state_machine_without_a_database():
    s = VoteSettings(threshold=2)
    vote = v.new_vote(s, chat_id=CHAT, initiator_id=1, target=v.Target(666), now=T0)
    assert vote.votes == {1: "kick"}
    assert v.expire(vote, T0 + 10) is None
    r = v.cast(vote, old_member(2), "keep", T0 + 1)
    assert isinstance(r, v.VoteCast) and vote.counts == (1, 1)
    r = v.cast(vote, old_member(3), "kick", T0 + 2)
    assert isinstance(r, v.Closed) and r.punishment and vote.status == v.PASSED
    with pytest.raises(ValueError):
        v.cast(vote, old_member(4), "ban", T0 + 3)


def test_a_command_replying_to_the_vote_or_the_voted_message_finds_the_open_vote(book):
    vote = start(book, target_message_id=40).vote
    book.attach_message(vote.id, 41)
    assert book.open_vote_about(CHAT, 41).id == vote.id  # the vote message
    assert book.open_vote_about(CHAT, 40).id == vote.id  # the voted message
    assert book.open_vote_about(CHAT, 42) is None and book.open_vote_about(CHAT - 1, 41) is None
    book.cancel(vote.id, Actor.admin(101, frozenset({CAN_RESTRICT})), T0 + 1)
    assert book.open_vote_about(CHAT, 41) is None  # closed votes are not found
