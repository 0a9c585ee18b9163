"""Who is who (for "/ban @username") and how vote messages are worded: the tables that began
in the bot, now the library's second migration set under its first name."""
from sqlite_utils import Migrations

from moderation import KnownUsers, ModerationStore, VoteLabel, VoteLabels, names_migrations
from tests.moderation.helpers import moderation_db

T0 = 1_700_000_000.0


def test_a_username_belongs_to_its_latest_holder(db):
    known = KnownUsers(db)
    known.remember(5000, "cool", "Old", None, T0)
    known.remember(900000, "Cool", "New", "Name", T0 + 1)
    assert known.by_username("@COOL") == 900000 and known.by_username("cool") == 900000
    assert known.name(900000) == "New Name" and known.name(5000) == "Old"
    assert known.by_username("@nobody") is None and known.name(1) is None
    known.remember(900000, None, "New", "Name", T0 + 2)  # dropped the username
    assert known.by_username("cool") is None


def test_vote_labels_survive_a_restart(tmp_path):
    path = tmp_path / "k.db"
    VoteLabels(moderation_db(path)).save(7, VoteLabel("ru", "<b>Spammer</b>", "Anna", "https://t.me/c/1/2"))
    again = VoteLabels(moderation_db(path))
    assert again.get(7) == VoteLabel("ru", "<b>Spammer</b>", "Anna", "https://t.me/c/1/2")
    assert again.get(8) is None


def test_a_database_made_when_the_bot_owned_these_tables_is_not_migrated_again(tmp_path):
    path = tmp_path / "k.db"
    old = Migrations("bot_moderation")  # the set as the bot declared it

    @old()
    def m001_known_users_and_vote_meta(db):
        db["mod_known_users"].create({"user_id": int, "username": str, "username_lc": str, "first_name": str,
                                      "last_name": str, "updated_at": float}, pk="user_id")
        db["mod_vote_meta"].create({"vote_id": int, "lang": str, "target_name": str, "initiator_name": str,
                                    "link": str}, pk="vote_id")

    db = moderation_db(path)
    old.apply(db)
    db["mod_known_users"].insert({"user_id": 1, "username": "anna", "username_lc": "anna", "first_name": "Anna",
                                  "last_name": None, "updated_at": T0})
    ModerationStore(db)  # applies both moderation sets
    assert [m.name for m in names_migrations.applied(db)] == ["m001_known_users_and_vote_meta"]
    assert KnownUsers(db).by_username("@anna") == 1
