
from moderation.permissions import CAN_RESTRICT
from moderation.store import ModerationStore, migrations
from moderation.votes import eligibility_problem
from tests.moderation.helpers import moderation_db

CHAT = -1001
T0 = 1_700_000_000.0


def test_migrations_are_idempotent_and_share_the_db(db):
    db["posts"].insert({"id": 1})  # someone else's table in the same file
    ModerationStore(db)
    ModerationStore(db)
    assert [m.name for m in migrations.applied(db)] == ["m001_initial"]
    assert {"posts", "mod_votes", "mod_ballots", "mod_warns", "mod_activity", "mod_audit", "mod_admins",
            "mod_chat_settings"} <= set(db.table_names())


def test_activity_makes_a_member_eligible(db):
    store = ModerationStore(db)
    store.note_join(CHAT, 5, T0)
    for i in range(3):
        assert store.note_message(CHAT, 5, T0 + i + 1) == i + 1
    facts = store.eligibility(CHAT, 5, is_member=True)
    assert facts.member_since == T0 and facts.message_count == 3
    assert eligibility_problem(facts, before=T0 + 100, min_messages=3) is None
    stranger = store.eligibility(CHAT, 6, is_member=True)
    assert eligibility_problem(stranger, before=T0 + 100, min_messages=3) == "too_new"


def test_member_seen_before_the_join_was_tracked_counts_from_first_message(db):
    store = ModerationStore(db)
    store.note_message(CHAT, 5, T0)
    assert store.eligibility(CHAT, 5, True).member_since == T0
    store.note_join(CHAT, 5, T0 + 50)  # rejoined: membership restarts, messages stay
    facts = store.eligibility(CHAT, 5, True)
    assert facts.member_since == T0 + 50 and facts.message_count == 1


def test_admin_cache(db):
    store = ModerationStore(db)
    store.set_admins(CHAT, [(1, "creator", []), (2, "administrator", [CAN_RESTRICT])], T0)
    assert store.admin(CHAT, 2).rights == {CAN_RESTRICT}
    store.upsert_admin(CHAT, 3, "administrator", [], T0 + 1)
    store.remove_admin(CHAT, 2)
    assert [a.user_id for a in store.admins(CHAT)] == [1, 3]
    store.set_admins(CHAT, [(4, "administrator", [])], T0 + 2)
    assert [a.user_id for a in store.admins(CHAT)] == [4]


def test_rules_and_settings_persist(tmp_path):
    path = tmp_path / "k.db"
    store = ModerationStore(moderation_db(path))
    store.set_rules(CHAT, "Не будь мудаком.", T0)
    store.set_setting(CHAT, "vote_threshold", 7, T0)
    store.set_setting(CHAT, "vote_ttl", 900, T0)
    store.set_rules(CHAT, "Без политики.", T0 + 1)
    again = ModerationStore(moderation_db(path))
    assert again.rules(CHAT) == "Без политики."
    assert again.settings(CHAT) == {"vote_threshold": 7, "vote_ttl": 900}
    assert again.rules(CHAT - 1) is None and again.settings(CHAT - 1) == {}
