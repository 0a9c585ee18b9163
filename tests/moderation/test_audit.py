import pytest

from moderation.audit import AuditLog, AuditRecord, ReverseAction, undo_action
from moderation.warns import WarnBook

CHAT = -1001
T0 = 1_700_000_000.0


def rec(action, target=42, source="admin", **kw):
    base = dict(id=None, chat_id=CHAT, actor_id=7, actor_kind="admin", target_id=target, target_kind="user",
                action=action, reason="spam", source=source, outcome="done", created_at=T0)
    base.update(kw)
    return AuditRecord(**base)


@pytest.fixture
def log(db):
    return AuditLog(db)


def test_records_are_listed_newest_first(log):
    a = log.record(rec("mute", seconds=600))
    b = log.record(rec("ban", target=43, created_at=T0 + 1))
    assert a.id and b.id
    assert [r.id for r in log.list(CHAT)] == [b.id, a.id]
    assert [r.action for r in log.list(CHAT, target_id=42)] == ["mute"]
    assert log.get(a.id).seconds == 600 and log.get(a.id).reason == "spam"


def test_undo_ban_tells_the_bot_to_unban_once(log):
    r = log.record(rec("ban"))
    res = log.undo(r.id, by_id=8, now=T0 + 60)
    assert res.ok and res.reverse == ReverseAction("unban", CHAT, 42, "user")
    assert res.record.undone_by == 8 and res.record.undone_at == T0 + 60
    again = log.undo(r.id, by_id=8, now=T0 + 61)
    assert not again.ok and again.reason == "already_undone"


@pytest.mark.parametrize("action, reverse", [("mute", "unmute"), ("ban", "unban")])
def test_reverse_actions(action, reverse):
    assert undo_action(rec(action)).action == reverse


def test_a_kick_with_a_term_is_undone_by_lifting_the_reentry_ban_a_plain_kick_not_at_all(log):
    assert undo_action(rec("kick", seconds=86400)) == ReverseAction("unban", CHAT, 42, "user")
    plain = log.record(rec("kick"))
    assert undo_action(plain) is None
    assert log.undo(plain.id, 8, T0).reason == "not_undoable" and log.last_undoable(CHAT) is None


def test_vote_kick_of_a_channel_identity_is_undone_with_unban_sender_chat():
    r = rec("mute", target=-100999, target_kind="chat", source="vote")
    assert undo_action(r) == ReverseAction("unban", CHAT, -100999, "chat")


def test_undo_warn_removes_that_warn(db, log):
    warns = WarnBook(db)
    w = warns.add(CHAT, 42, 7, T0).warn
    r = log.record(rec("warn", ref=str(w.id)))
    res = log.undo(r.id, by_id=8, now=T0 + 5)
    assert res.reverse.action == "unwarn" and res.reverse.warn_id == w.id
    assert warns.remove(res.reverse.warn_id, 8, T0 + 5)
    assert warns.active(CHAT, 42, T0 + 6) == []


def test_deletions_and_unknown_records_cannot_be_undone(log):
    r = log.record(rec("del"))
    assert log.undo(r.id, 8, T0).reason == "not_undoable"
    assert log.undo(999, 8, T0).reason == "not_found"


def test_bare_undo_finds_the_last_undoable_action(log):
    mute = log.record(rec("mute", source="flood", created_at=T0))
    log.record(rec("del", created_at=T0 + 1))
    assert log.last_undoable(CHAT).id == mute.id
    log.undo(mute.id, 8, T0 + 2)
    assert log.last_undoable(CHAT) is None


def test_unknown_source_is_rejected(log):
    with pytest.raises(ValueError):
        log.record(rec("ban", source="magic"))
