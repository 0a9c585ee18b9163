"""The Telegram Desktop export importer, on the real sample and shapes built from it."""
from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from archive import fts
from archive.db import WriterBusy
from archive.importer import ExportError, import_export, iter_export, list_chats
from archive.store import Archive
from archive.text import entity_text, from_export_parts

from tests.sample import SAMPLE_EXPORT as SAMPLE  # noqa: E402
CHANNEL = -1001394778475


@pytest.fixture
def archive(tmp_path):
    return Archive(tmp_path / "keeper.db")


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def message(sample: dict, message_id: int) -> dict:
    return next(m for m in sample["messages"] if m["id"] == message_id)


def media_chat(messages: list[dict]) -> dict:
    return {"name": "Media test", "type": "private_channel", "id": 777, "messages": messages}


def msg(mid: int, when: int, text="", **extra) -> dict:
    return {"id": mid, "type": "message", "date": "2024-08-01T10:00:00", "date_unixtime": str(when),
            "from": "Media test", "from_id": "channel777", "text": text,
            "text_entities": [] if isinstance(text, str) and not text else
            ([{"type": "plain", "text": text}] if isinstance(text, str) else text), **extra}


def account_export(sample: dict) -> dict:
    other = {"name": "Other channel", "type": "private_channel", "id": 555,
             "messages": [copy.deepcopy(message(sample, 1702))]}
    return {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Boris"},
        "chats": {"about": "This is the list of chats.", "list": [
            {"name": None, "type": "saved_messages", "id": 1,
             "messages": [{"id": 1, "type": "message", "date_unixtime": "1700000000", "text": "note to self",
                           "text_entities": [{"type": "plain", "text": "note to self"}]}]},
            {"name": "Alice", "type": "personal_chat", "id": 42, "messages": []},
            sample,
        ]},
        "left_chats": {"about": "Chats you left.", "list": [other]},
    }


def post_counts(archive: Archive) -> tuple[int, int]:
    parts = archive.db.execute("SELECT COUNT(*) FROM post_parts").fetchone()[0]
    return archive.count(), parts


# -- the sample ---------------------------------------------------------------------------

def test_sample_imported_twice_is_26_posts_then_26_unchanged(archive):
    first = import_export(archive, SAMPLE, channel_username="boris_again")
    assert (first.posts_created, first.posts_updated, first.posts_unchanged) == (26, 0, 0)
    assert first.messages_seen == 27 and first.service_skipped == 1
    assert first.chat_title == "Boris again" and first.channel_id == CHANNEL

    second = import_export(archive, SAMPLE, channel_username="boris_again")
    assert (second.posts_created, second.posts_updated, second.posts_unchanged) == (0, 0, 26)
    assert post_counts(archive) == (26, 26)
    # the service message (a pin, id 1700) is not a post
    assert archive.get(CHANNEL, 1700) is None


def test_rewrites_without_the_progress_record_are_no_ops_too(archive):
    import_export(archive, SAMPLE)
    again = import_export(archive, SAMPLE, force=True)
    assert again.posts_unchanged == 26 and again.already_imported == 0
    assert post_counts(archive) == (26, 26)


def test_posts_are_stored_under_the_bot_api_channel_id_with_the_channel_registered(archive):
    import_export(archive, SAMPLE, channel_username="boris_again")
    post = archive.get(CHANNEL, 1726)
    assert post.url == "https://t.me/boris_again/1726"
    assert archive.db["channels"].get(CHANNEL)["title"] == "Boris again"
    assert post.date == 1723622520  # date_unixtime, not the offset-less date string
    assert post.title == ("Does Liking Yellow Imply Driving a School Bus? "
                          "Semantic Leakage in Language Models")
    assert "Leak-Rate" in post.text


def test_links_mentions_and_hashtags_survive(archive):
    import_export(archive, SAMPLE)
    mentions = archive.get(CHANNEL, 1721)
    assert [entity_text(mentions.text, e) for e in mentions.entities if e.type == "mention"] == [
        "@suro4ekgg", "@mlunderground", "@lovedeathtransformers"]
    links = archive.get(CHANNEL, 1712)
    assert any("fal.ai/models/fal-ai/flux-pro" in link for link in links.links)
    assert any("replicate.com/black-forest-labs" in link for link in links.links)
    assert "paperwatch" in archive.get(CHANNEL, 1703).hashtags


def test_entities_after_astral_emoji_land_on_the_right_text(archive, sample):
    import_export(archive, SAMPLE)
    post = archive.get(CHANNEL, 1703)  # 👁 👁 📃 🖥 (two UTF-16 units each) before #paperwatch
    assert [entity_text(post.text, e) for e in post.entities] == ["#paperwatch"]
    checked = 0
    for raw in sample["messages"]:
        if raw["type"] != "message":
            continue
        stored = archive.get(CHANNEL, raw["id"])
        expected = [p["text"] for p in raw["text_entities"] if p["type"] != "plain"]
        assert [entity_text(stored.text, e) for e in stored.entities] == expected, raw["id"]
        checked += len(expected)
    assert checked >= 12


def test_forwarded_from_is_kept(archive):
    import_export(archive, SAMPLE)
    assert archive.get(CHANNEL, 1701).forwarded_from == "Building Singularity"
    assert archive.get(CHANNEL, 1702).forwarded_from is None


def test_iter_export_streams_incoming_posts():
    posts = list(iter_export(SAMPLE))
    assert len(posts) == 26
    assert {p.channel_id for p in posts} == {CHANNEL}
    assert {p.source for p in posts} == {"export"}
    assert posts[-1].message_id == 1726 and posts[-1].date == 1723622520


def test_keys_after_messages_are_still_read(tmp_path, archive, sample):
    reordered = {"messages": sample["messages"], "id": sample["id"], "type": sample["type"],
                 "name": sample["name"]}
    report = import_export(archive, write(tmp_path / "result.json", reordered))
    assert report.posts_created == 26 and report.channel_id == CHANNEL


# -- edits, reactions, media, albums ------------------------------------------------------

def test_an_edited_export_versions_the_post_and_reindexes_it(tmp_path, archive, sample):
    import_export(archive, SAMPLE)
    edited = copy.deepcopy(sample)
    raw = message(edited, 1705)
    old_text, _ = from_export_parts(raw["text"], raw["text_entities"])
    new_text = "Исправленный пост про квазикристаллы"
    raw.update(text=new_text, text_entities=[{"type": "plain", "text": new_text}],
               edited="2024-08-01T12:00:00", edited_unixtime="1722513600")
    report = import_export(archive, write(tmp_path / "result.json", edited))
    assert (report.posts_updated, report.posts_unchanged, report.posts_created) == (1, 25, 0)

    post = archive.get(CHANNEL, 1705)
    assert post.text == new_text and post.version == 2 and post.edit_date == 1722513600
    assert [v["text"] for v in archive.versions(post.id)] == [old_text]
    assert [pid for pid, _ in fts.search(archive.db, "квазикристаллы")] == [post.id]
    assert archive.count() == 26


def test_reactions_are_stored_as_counts(tmp_path, archive, sample):
    data = copy.deepcopy(sample)
    message(data, 1702)["reactions"] = [
        {"type": "emoji", "count": 12, "emoji": "🔥"},
        {"type": "emoji", "count": 3, "emoji": "👍"},
        {"type": "custom_emoji", "count": 2, "document_id": "5368324170671202286"},
        {"type": "custom_emoji", "count": 1},
    ]
    import_export(archive, write(tmp_path / "result.json", data))
    assert archive.get(CHANNEL, 1702).reactions == {
        "🔥": 12, "👍": 3, "5368324170671202286": 2, "custom": 1}
    assert archive.get(CHANNEL, 1703).reactions == {}


def test_captions_are_stored_with_their_media(tmp_path, archive):
    caption = ["Слайды с доклада ", {"type": "bold", "text": "здесь"}]
    data = media_chat([
        msg(10, 1722500000, caption, photo="photos/photo_1.jpg", width=800, height=600),
        msg(11, 1722500100, "Запись стрима", file="video_files/stream.mp4", media_type="video_file",
            mime_type="video/mp4"),
        msg(12, 1722500200, "Статья в pdf", file="files/paper.pdf", mime_type="application/pdf"),
        msg(13, 1722500300, "", file="(File not included. Change data exporting settings to download.)",
            media_type="voice_message"),
    ])
    report = import_export(archive, write(tmp_path / "result.json", data))
    assert report.posts_created == 4 and report.channel_id == -100777
    photo = archive.get(-100777, 10)
    assert (photo.media, photo.text) == ("photo", "Слайды с доклада здесь")
    assert [entity_text(photo.text, e) for e in photo.entities if e.type == "bold"] == ["здесь"]
    assert archive.get(-100777, 11).media == "video"
    assert archive.get(-100777, 12).media == "document"
    assert archive.get(-100777, 13).media == "voice"


def test_an_album_becomes_one_post_with_its_caption(tmp_path, archive):
    when = 1722500000
    data = media_chat([
        msg(20, when, "", photo="photos/a.jpg"),
        msg(21, when, "Три графика из статьи", photo="photos/b.jpg"),
        msg(22, when, "", photo="photos/c.jpg"),
        msg(23, when + 60, "Обычный пост после альбома"),
        # two photos in one second, each with its own caption: two posts
        msg(24, when + 120, "Первая", photo="photos/d.jpg"),
        msg(25, when + 120, "Вторая", photo="photos/e.jpg"),
    ])
    path = write(tmp_path / "result.json", data)
    report = import_export(archive, path, batch_size=2)  # an album is never split
    assert report.albums_grouped == 1
    assert report.posts_created == 4 and archive.count() == 4
    album = archive.get(-100777, 20)
    assert album.text == "Три графика из статьи" and album.media == "photo"
    assert album.message_id == 20
    assert archive.get(-100777, 21).id == album.id == archive.get(-100777, 22).id
    assert archive.get(-100777, 24).id != archive.get(-100777, 25).id

    again = import_export(archive, path, force=True)
    assert (again.posts_created, again.posts_updated, again.posts_unchanged) == (0, 0, 4)
    assert post_counts(archive) == (4, 6)


# -- full-account exports -----------------------------------------------------------------

def test_full_account_export_by_name_and_by_id(tmp_path, sample):
    path = write(tmp_path / "result.json", account_export(sample))
    for chat in ("Boris again", 1394778475, "-1001394778475"):
        archive = Archive(tmp_path / f"{chat}.db")
        report = import_export(archive, path, chat=chat)
        assert report.chat_title == "Boris again" and report.posts_created == 26
        assert archive.count() == 26 and archive.get(-100555, 1702) is None
    left = Archive(tmp_path / "left.db")
    report = import_export(left, path, chat="Other channel")
    assert report.channel_id == -100555 and left.count() == 1


def test_full_account_export_without_a_choice_lists_the_channels(tmp_path, archive, sample):
    path = write(tmp_path / "result.json", account_export(sample))
    with pytest.raises(ExportError) as error:
        import_export(archive, path)
    text = str(error.value)
    assert "choose one" in text
    assert "'Boris again' (id 1394778475, public_channel, 27 messages)" in text
    assert "'Other channel' (id 555" in text and "Alice" not in text
    assert archive.count() == 0

    with pytest.raises(ExportError, match="no chat 'Borris'.*'Boris again'"):
        import_export(archive, path, chat="Borris")
    assert [(c.name, c.message_count) for c in list_chats(path)] == [
        (None, 1), ("Alice", 0), ("Boris again", 27), ("Other channel", 1)]


def test_a_single_chat_export_refuses_another_chat_name(archive):
    with pytest.raises(ExportError, match="holds one chat, 'Boris again'.*not 'Other'"):
        import_export(archive, SAMPLE, chat="Other")
    assert import_export(archive, SAMPLE, chat="Boris again").posts_created == 26


# -- broken files -------------------------------------------------------------------------

def test_a_truncated_file_says_where_and_the_full_file_completes_the_import(tmp_path, archive):
    raw = SAMPLE.read_bytes()
    cut = raw.index(b'"id": 1712') + 40  # inside message #13
    broken = tmp_path / "result.json"
    broken.write_bytes(raw[:cut])
    with pytest.raises(ExportError) as error:
        import_export(archive, broken, batch_size=5)
    assert "ends in the middle of message #13 (id 1712)" in str(error.value)
    assert error.value.offset == cut
    # complete batches were kept, nothing of the batch in progress
    assert archive.count() == 10
    assert all(p.text for p in archive.posts())

    broken.write_bytes(raw)  # the user downloads it again
    report = import_export(archive, broken, batch_size=5)
    assert (report.posts_created, report.posts_unchanged) == (16, 10)
    assert post_counts(archive) == (26, 26)


def test_a_json_syntax_error_gives_its_byte_line_and_column(tmp_path, archive):
    raw = SAMPLE.read_bytes()
    bad = raw.replace(b'"id": 1712,', b'"id": 1712,,', 1)
    path = tmp_path / "result.json"
    path.write_bytes(bad)
    with pytest.raises(ExportError) as error:
        import_export(archive, path)
    offset = bad.index(b",,") + 1
    line = bad[:offset].count(b"\n") + 1
    column = offset - bad.rindex(b"\n", 0, offset)  # the second comma on `   "id": 1712,,`
    assert column == 15
    assert error.value.offset == offset
    assert f"invalid JSON at byte {offset} (line {line}, column {column})" in str(error.value)
    assert "message #13 (id 1712)" in str(error.value)
    assert archive.count() == 0  # the error is in the first batch


def test_a_malformed_message_is_skipped_with_its_id_and_reason_and_the_rest_imported(tmp_path, archive, sample):
    data = copy.deepcopy(sample)
    message(data, 1712)["text"] = 42
    message(data, 1712)["text_entities"] = []
    path = write(tmp_path / "result.json", data)
    report = import_export(archive, path, batch_size=5)
    assert report.messages_skipped == 1
    assert report.skip_reasons == ["message #13 (id 1712): text must be a string or a list, not a number"]
    assert "1 bad messages skipped" in report.summary()
    assert archive.count() == 25 and archive.get(CHANNEL, 1712) is None  # nothing half-written

    fixed = write(tmp_path / "result.json", sample)
    report = import_export(archive, fixed, batch_size=5)
    assert report.posts_created == 1 and report.messages_skipped == 0 and archive.count() == 26


def test_an_html_export_is_recognised(tmp_path, archive):
    folder = tmp_path / "ChatExport_2024-08-14"
    folder.mkdir()
    (folder / "messages.html").write_text("<!DOCTYPE html>\n<html><head>", encoding="utf-8")
    for path in (folder, folder / "messages.html"):
        with pytest.raises(ExportError, match=r"HTML export \(messages.html\).*'Machine-readable JSON'"):
            import_export(archive, path)
    renamed = tmp_path / "result.json"
    renamed.write_text("<!DOCTYPE html>\n<html>", encoding="utf-8")
    with pytest.raises(ExportError, match="HTML export"):
        import_export(archive, renamed)


def test_a_folder_with_result_json_is_accepted(tmp_path, archive):
    folder = tmp_path / "ChatExport"
    folder.mkdir()
    (folder / "result.json").write_bytes(SAMPLE.read_bytes())
    assert import_export(archive, folder).posts_created == 26


@pytest.mark.parametrize("content, expected", [
    (b"", "is empty"),
    (b"  \n", "is empty"),
    (b"[1, 2]", "not a Telegram Desktop export: the top level is a list"),
    (b'{"users": []}', "not a Telegram Desktop export: no 'messages' or 'chats'"),
])
def test_empty_and_foreign_files(tmp_path, archive, content, expected):
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(ExportError, match=expected):
        import_export(archive, path)
    assert archive.count() == 0


def test_a_missing_file(tmp_path, archive):
    with pytest.raises(ExportError, match="no such file"):
        import_export(archive, tmp_path / "nope.json")


# -- resuming -----------------------------------------------------------------------------

class Killed(Exception):
    pass


def test_killed_mid_import_then_rerun_gives_every_post_once(tmp_path, archive):
    path = tmp_path / "result.json"
    path.write_bytes(SAMPLE.read_bytes())
    batches: list[int] = []

    def die_on_second(results):
        batches.append(len(results))
        if len(batches) == 2:
            raise Killed()

    with pytest.raises(Killed):
        import_export(archive, path, batch_size=5, on_batch=die_on_second)
    assert archive.count() == 10  # both batches were committed before the hook ran
    status = archive.db.execute("SELECT status, messages_done FROM imports").fetchone()
    assert status == ("interrupted", 11)  # each batch's progress is committed with it (#1-#11)

    seen: list = []
    report = import_export(archive, path, batch_size=5, on_batch=seen.extend)
    assert post_counts(archive) == (26, 26)
    assert report.already_imported == 10 and report.posts_created == 16
    assert report.posts_unchanged == 10
    assert sorted(r.status for r in seen).count("created") == 16
    assert archive.db.execute("SELECT status FROM imports").fetchone()[0] == "done"


def test_hook_failure_on_first_batch_then_rerun(tmp_path, archive):
    def boom(results):
        raise Killed()

    with pytest.raises(Killed):
        import_export(archive, SAMPLE, batch_size=5, on_batch=boom)
    assert archive.count() == 5
    results: list = []
    report = import_export(archive, SAMPLE, batch_size=5, on_batch=results.extend)
    assert len(results) == 21  # the first batch was committed with its progress: not written again
    assert (report.posts_created, report.posts_unchanged, report.already_imported) == (21, 5, 5)
    assert post_counts(archive) == (26, 26)


# -- streaming and progress ---------------------------------------------------------------

def test_a_large_export_is_streamed_not_loaded(tmp_path):
    body = "Длинный пост про модели и датасеты, with English words too. " * 30
    path = tmp_path / "result.json"
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"name": "Big", "type": "public_channel", "id": 99, "messages": [\n')
        for i in range(4000):
            f.write(("," if i else "") + json.dumps(msg(i + 1, 1722500000 + i, f"{i} {body}"), ensure_ascii=False))
        f.write("]}")
    size = path.stat().st_size
    assert size > 15_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_export(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 4000
    assert peak < size / 10


def test_progress_bar_only_when_asked_or_on_a_terminal(archive, capsys):
    import_export(archive, SAMPLE)  # pytest's stderr is not a terminal
    assert capsys.readouterr().err == ""
    import_export(archive, SAMPLE, progress=True, force=True)
    assert "reading export" in capsys.readouterr().err


# -- atomic batches and one writer --------------------------------------------------------

def test_a_database_error_in_a_batch_rolls_the_whole_batch_back(tmp_path, archive):
    archive.db.execute("CREATE TRIGGER refuse AFTER INSERT ON post_parts WHEN NEW.message_id = 1714 "
                       "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        import_export(archive, SAMPLE, batch_size=5)
    # batches 1-2 (#1-#11) are committed with their progress; nothing of batch 3 is, not even a placeholder
    assert post_counts(archive) == (10, 10)
    assert archive.db.execute("SELECT COUNT(*) FROM posts WHERE content_hash IS NULL").fetchone()[0] == 0
    assert archive.db.execute("SELECT status, messages_done FROM imports").fetchone() == ("interrupted", 11)
    archive.db.execute("DROP TRIGGER refuse")
    report = import_export(archive, SAMPLE, batch_size=5)
    assert (report.posts_created, report.already_imported) == (16, 10)
    assert post_counts(archive) == (26, 26)


def test_a_second_import_is_refused_naming_the_first(tmp_path):
    db = tmp_path / "keeper.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from archive.db import writer_lock\n"
         f"with writer_lock({str(db)!r}, 'import'):\n    print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout.readline() == "locked\n"
        with Archive(db) as archive:
            with pytest.raises(WriterBusy, match=rf"^another import is running \(pid {holder.pid}\)"):
                import_export(archive, SAMPLE)
            assert archive.count() == 0
    finally:
        holder.communicate("")
    with Archive(db) as archive:
        assert import_export(archive, SAMPLE).posts_created == 26
    assert not Path(f"{db}.lock").exists()
