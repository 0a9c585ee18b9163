
from moderation import votes as v
from moderation.permissions import Actor
from moderation.votebook import VoteBook
from moderation.votes import Eligibility, VoteSettings
from tests.moderation.helpers import moderation_db

CHAT = -100123
T0 = 1_700_000_000.0


def test_open_vote_and_its_expiry_survive_a_restart(tmp_path):
    path = tmp_path / "keeper.db"
    first_db = moderation_db(path)
    book = VoteBook(first_db, VoteSettings(threshold=3, ttl=600))
    vote = book.start(chat_id=CHAT, initiator=Actor.member(1), initiator_facts=Eligibility(1, True, T0 - 9e4, 9),
                      target=Actor.member(666), now=T0, reason="spam").vote
    book.attach_message(vote.id, 555)
    book.cast(vote.id, Eligibility(2, True, T0 - 9e4, 9), "kick", T0 + 5)
    first_db.close()

    again = VoteBook(moderation_db(path), VoteSettings(threshold=3, ttl=600))
    [reloaded] = again.open_votes(CHAT)
    assert reloaded.id == vote.id and reloaded.reason == "spam" and reloaded.poll_message_id == 555
    assert reloaded.expires_at == T0 + 600 and again.next_expiry() == T0 + 600
    assert reloaded.counts == (2, 0)
    # the ballots survived too: a third kick passes it
    closed = again.cast(vote.id, Eligibility(3, True, T0 - 9e4, 9), "kick", T0 + 10)
    assert isinstance(closed, v.Closed) and closed.status == v.PASSED


def test_votes_that_expired_while_down_are_settled_on_startup(tmp_path):
    path = tmp_path / "keeper.db"
    book = VoteBook(moderation_db(path), VoteSettings(ttl=600))
    facts = Eligibility(1, True, T0 - 9e4, 9)
    a = book.start(chat_id=CHAT, initiator=Actor.member(1), initiator_facts=facts, target=Actor.member(7), now=T0).vote
    b = book.start(chat_id=CHAT, initiator=Actor.member(1), initiator_facts=facts, target=Actor.member(8), now=T0 + 600).vote

    again = VoteBook(moderation_db(path), VoteSettings(ttl=600))
    assert [x.id for x in again.due(T0 + 700)] == [a.id]
    settled = again.expire_due(T0 + 700)
    assert [c.vote.id for c in settled] == [a.id] and settled[0].punishment is None
    assert [x.id for x in again.open_votes()] == [b.id]
    assert again.expire_due(T0 + 700) == []  # settling is idempotent
