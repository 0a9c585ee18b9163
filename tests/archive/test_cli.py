"""The keeper command line: what a user running it sees, and its exit codes."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from archive.cli import cli
from tests.sample import SAMPLE_EXPORT


@pytest.fixture()
def db(sample_db, tmp_path):
    copy = tmp_path / "keeper.db"
    shutil.copy(sample_db, copy)
    return str(copy)


def run(*args, env=None):
    result = CliRunner().invoke(cli, list(args), env=env,
                                catch_exceptions=False)
    return result


def test_search_leakage_json(db, real_embedder):
    result = run("search", "leakage", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert lines[0]["message_id"] == 1726
    assert lines[0]["url"] == "https://t.me/boris_again/1726"
    assert lines[0]["date"].startswith("2024-08-14")
    assert {"post_id", "score", "title", "snippet", "highlights", "url", "date"} <= set(lines[0])
    first = lines[0]
    assert "**" not in first["snippet"]  # the highlight is data, not marks in the text
    assert [first["snippet"][a:b].lower() for a, b in first["highlights"]][:1] == ["leakage"]


def test_search_fts_needs_no_model(db):
    result = run("search", "утечку смысла", "--db", db, "--mode", "fts", "--limit", "1",
                 env={"KEEPER_EMBEDDING_MODEL": "no-such/model"})
    assert result.exit_code == 0, result.output
    assert "Semantic Leakage" in result.output and "утечка" in result.output and "**" not in result.output
    found = json.loads(run("search", "утечку смысла", "--db", db, "--mode", "fts", "--json").output.splitlines()[0])
    assert "утечка" in [found["snippet"][a:b] for a, b in found["highlights"]]


def test_cli_and_service_show_the_same_results(db, real_embedder):
    from archive.search import SearchService
    from archive.store import Archive
    for query in ["утечка смысла", "шахматы", "xyzzyqwerty"]:
        lines = run("search", query, "--db", db, "--json", "--limit", "100").output.splitlines()
        served = SearchService(Archive(db), real_embedder).search(query, limit=100)
        assert [json.loads(line)["message_id"] for line in lines] == [h.message_id for h in served.hits]
        text = run("search", query, "--db", db).output
        assert (f"{served.total} results" in text) if served.total else ("nothing found" in text)


def test_bad_model_is_one_line_and_exit_1(db):
    result = run("search", "leakage", "--db", db, "--model", "no-such-org/no-such-model")
    assert result.exit_code == 1
    assert "KEEPER_EMBEDDING_MODEL" in result.output and "no-such-org/no-such-model" in result.output
    assert "Traceback" not in result.output


def test_import_then_stats(tmp_path):
    pytest.importorskip("archive.importer")
    path = str(tmp_path / "k.db")
    result = run("import", str(SAMPLE_EXPORT), "--db", path, "--channel-username", "boris_again",
                 "--model", "fake")
    assert result.exit_code == 0, result.output
    assert "26 new posts" in result.output
    again = run("import", str(SAMPLE_EXPORT), "--db", path, "--model", "fake")
    assert again.exit_code == 0 and "passages encoded: 0" in again.output
    stats = run("stats", "--db", path, "--json")
    info = json.loads(stats.output)
    assert info["posts"] == 26 and info["models"]["fake"]["vectors"] > 0
    assert info["first"].startswith("2024-07-22")


def test_import_broken_file_is_a_clear_error(tmp_path):
    pytest.importorskip("archive.importer")
    bad = tmp_path / "result.json"
    bad.write_text("<html><body>not json</body></html>")
    result = run("import", str(bad), "--db", str(tmp_path / "k.db"), "--model", "fake")
    assert result.exit_code == 1 and "Traceback" not in result.output
    missing = run("import", str(tmp_path / "nope.json"), "--db", str(tmp_path / "k.db"), "--model", "fake")
    assert missing.exit_code == 1


def test_reindex_for_another_model(db):
    result = run("reindex", "--db", db, "--model", "fake")
    assert result.exit_code == 0 and "fake" in result.output
    stats = json.loads(run("stats", "--db", db, "--json").output)
    assert set(stats["models"]) == {"fake", "use-multilingual-v3"}


def test_demo(real_embedder):
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "1. Does Liking Yellow Imply Driving a School Bus?" in result.output


@pytest.mark.parametrize("until, found", [("2024-08-13", False), ("2024-08-14", True), ("2024-08", True)])
def test_until_is_the_last_day_included(db, until, found):
    result = run("search", "Yellow School Bus", "--db", db, "--mode", "fts", "--json", "--until", until)
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["message_id"] for line in result.output.splitlines() if line.startswith("{")]
    assert (1726 in ids) == found


def test_a_date_that_is_not_one_is_a_usage_error(db):
    result = run("search", "leakage", "--db", db, "--mode", "fts", "--since", "вчера")
    assert result.exit_code == 2 and "is not a date like 2024-08-01" in result.output


@pytest.mark.parametrize("command", [["search", "leakage"], ["search", "leakage", "--mode", "fts"], ["stats"],
                                     ["reindex"], ["check"]])
def test_a_read_on_a_missing_database_is_an_error_and_creates_nothing(tmp_path, command):
    db = tmp_path / "typo_dir" / "x.db"
    # an unloadable model shows the model is not even tried before the database is found
    result = run(*command, "--db", str(db), env={"KEEPER_EMBEDDING_MODEL": "no-such-org/no-such-model"})
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: no database at {db} (run `keeper import` first, or check --db / KEEPER_DB)"
    assert not (tmp_path / "typo_dir").exists()


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    bogus = tmp_path / "x.db"
    bogus.write_text("hello, I am a text file" * 100)
    result = run("stats", "--db", str(bogus))
    assert result.exit_code == 1 and result.output.startswith("Error: database error: file is not a database")


def test_a_failed_import_leaves_no_new_file_and_never_loads_the_model(tmp_path):
    export = tmp_path / "result.json"
    export.write_bytes(SAMPLE_EXPORT.read_bytes()[:5000])  # cut short
    db = tmp_path / "data" / "keeper.db"
    result = run("import", str(export), "--db", str(db), "--model", "no-such-org/no-such-model")
    assert result.exit_code == 1 and "KEEPER_EMBEDDING_MODEL" in result.output  # refused before importing
    result = run("import", str(export), "--db", str(db), "--model", "fake")
    assert result.exit_code == 1 and "probably cut short" in result.output
    assert not (tmp_path / "data").exists()


def test_a_failed_import_into_an_existing_database_keeps_it(db):
    before = json.loads(run("stats", "--db", db, "--json").output)
    result = run("import", str(SAMPLE_EXPORT.parent / "nope.json"), "--db", db, "--model", "fake")
    assert result.exit_code == 1 and "no such file" in result.output
    assert json.loads(run("stats", "--db", db, "--json").output)["posts"] == before["posts"] == 26


@pytest.mark.parametrize("offset", ["99999999999999999999", "-1"])
def test_an_offset_out_of_range_is_a_usage_error(db, offset):
    result = run("search", "leakage", "--db", db, "--mode", "fts", "--offset", offset)
    assert result.exit_code == 2 and "--offset" in result.output and "Traceback" not in result.output


def test_undecodable_bytes_in_a_query_are_searched_as_text(db):
    # `keeper search "$(printf 'leakage \xff')"`: Python hands the byte over as a lone surrogate
    for mode in ("fts", "hybrid", "dense"):
        result = run("search", "leakage \udcff", "--db", db, "--mode", mode, "--model", "fake", "--json")
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("option", [["--until", "9999-12-31"], ["--since", "0001-01-01"], ["--since", "9999"]])
def test_dates_at_the_ends_of_the_calendar_work(db, option):
    result = run("search", "leakage", "--db", db, "--mode", "fts", *option, "--json")
    assert result.exit_code == 0, result.output
    found = [json.loads(line)["message_id"] for line in result.output.splitlines() if line.startswith("{")]
    assert (1726 in found) == (option != ["--since", "9999"])


def test_an_import_that_fails_after_storing_posts_keeps_them_to_resume(tmp_path, monkeypatch):
    from archive import importer
    monkeypatch.setitem(importer.import_export.__kwdefaults__, "batch_size", 5)
    export = tmp_path / "result.json"
    raw = SAMPLE_EXPORT.read_bytes()
    export.write_bytes(raw[:int(len(raw) * 0.9)])  # cut short late: the first batches are stored
    db = tmp_path / "data" / "keeper.db"
    result = run("import", str(export), "--db", str(db), "--model", "fake")
    assert result.exit_code == 1 and "probably cut short" in result.output
    stored = json.loads(run("stats", "--db", str(db), "--json").output)["posts"]
    assert 0 < stored < 26
    export.write_bytes(raw)
    assert "new posts" in run("import", str(export), "--db", str(db), "--model", "fake").output
    assert json.loads(run("stats", "--db", str(db), "--json").output)["posts"] == 26


def test_import_and_check_with_the_default_model_offline(tmp_path, monkeypatch):
    """No model named, no network (HF_HUB_OFFLINE is set suite-wide): the embedded default
    needs neither, so nothing may ask the Hugging Face cache about it."""
    monkeypatch.delenv("KEEPER_EMBEDDING_MODEL", raising=False)
    path = str(tmp_path / "k.db")
    result = run("import", str(SAMPLE_EXPORT), "--db", path)
    assert result.exit_code == 0, result.output
    assert "26 new posts" in result.output and "(use-multilingual-v3)" in result.output
    check = run("check", "--db", path)
    assert check.exit_code == 0 and "vectors checked for use-multilingual-v3" in check.output
