"""keeper check / check --repair / reindex, on archives damaged the ways a crash used to leave them."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.embeddings import FakeEmbedder
from archive.search import search
from archive.store import Archive
from tests.sample import CHANNEL_ID, load_sample, post_id_of


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    path = tmp_path_factory.mktemp("upkeep") / "keeper.db"
    with Archive(path) as archive:
        load_sample(archive, FakeEmbedder())
    return path


@pytest.fixture()
def db(healthy, tmp_path):
    copy = tmp_path / "keeper.db"
    shutil.copy(healthy, copy)
    return copy


def damage(path):
    """What kills used to leave: a placeholder row with and without its part, a post missing
    from full text, a full-text row of no post, a post never embedded."""
    with Archive(path) as archive, archive.transaction():
        db = archive.db
        db.execute("INSERT INTO posts (id, channel_id, message_id, date, source) VALUES (900, ?, 9001, 1723000000, 'x')",
                   [CHANNEL_ID])
        db.execute("INSERT INTO posts (id, channel_id, message_id, date, source) VALUES (901, ?, 9002, 1723000000, 'x')",
                   [CHANNEL_ID])
        db.execute("INSERT INTO post_parts (channel_id, message_id, post_id, text, entities) "
                   "VALUES (?, 9002, 901, 'Пост про квантование весов', '[]')", [CHANNEL_ID])
        db.execute("DELETE FROM posts_fts WHERE rowid = ?", [post_id_of(archive, 1726)])
        db.execute("INSERT INTO posts_fts (rowid, title, body) VALUES (777, 'призрак', 'призрак')")


def test_a_healthy_archive_checks_ok(db):
    result = run("check", "--db", str(db), "--model", "fake")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["26 posts, vectors checked for fake", "ok"]


def test_check_names_each_problem_and_repair_fixes_them(db):
    damage(db)
    result = run("check", "--db", str(db), "--model", "fake")
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "problem: 2 posts whose write never finished",
        "problem: 1 posts missing from full-text search",
        "problem: 1 full-text rows of posts that do not exist",
    ]
    with Archive(db) as archive:
        assert 1726 not in [h.message_id for h in search(archive, "Yellow School Bus", mode="fts").hits]

    repaired = run("check", "--repair", "--db", str(db), "--model", "fake")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output.splitlines() == [
        "repaired: rebuilt 1 unfinished posts from their parts",
        "repaired: removed 1 unfinished posts that had no parts (importing again restores them)",
        "repaired: added 1 posts to full-text search",
        "repaired: removed 1 full-text rows of posts that do not exist",
        "repaired: split 1 posts and encoded 1 passages for fake",
        "27 posts, vectors checked for fake",
        "ok",
    ]
    with Archive(db) as archive:
        assert search(archive, "Yellow School Bus", mode="fts").hits[0].message_id == 1726
        assert search(archive, "квантование", mode="fts").hits[0].message_id == 9002
    assert run("check", "--db", str(db), "--model", "fake").exit_code == 0


def test_check_reports_an_unfinished_import(db):
    with Archive(db) as archive, archive.transaction():
        archive.db.execute("UPDATE imports SET status = 'interrupted', messages_done = 12")
    result = run("check", "--db", str(db), "--model", "fake")
    assert result.exit_code == 1
    assert "is interrupted after 12 messages: run `keeper import" in result.output


def test_missing_vectors_are_found_and_encoded_without_loading_a_model_to_check(tmp_path):
    path = tmp_path / "keeper.db"
    with Archive(path) as archive:
        load_sample(archive)  # imported, never embedded
    result = run("check", "--db", str(path), "--model", "fake")
    assert result.exit_code == 1 and "problem: 26 posts not split into passages for fake" in result.output
    assert run("check", "--repair", "--db", str(path), "--model", "fake").exit_code == 0


def test_reindex_rebuilds_full_text_too(db):
    with Archive(db) as archive, archive.transaction():
        archive.db.execute("DELETE FROM posts_fts")
    result = run("reindex", "--db", str(db), "--model", "fake")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("reindexed: full text of 26 posts;")
    with Archive(db) as archive:
        assert search(archive, "Yellow School Bus", mode="fts").hits[0].message_id == 1726
    stats = json.loads(run("stats", "--db", str(db), "--json").output)
    assert stats["models"]["fake"]["vectors"] > 0
