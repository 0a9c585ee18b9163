"""`keeper import` on every file of the bad-input corpus (tests/archive/bad_exports, written by
its make.py): a bad message is skipped and named, a file that cannot be read is refused in
one line and leaves no database behind; never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.store import Archive

CORPUS = Path(__file__).parent / "bad_exports"

# What the one line says, per file (every corpus file must be listed here).
SKIPPED = {
    "msg_text_link_href_number": "text_entities[0].href must be a string, not a number",
    "msg_text_link_href_list": "text_entities[0].href must be a string, not a list",
    "msg_text_link_href_nested_5000": "text_entities[0].href must be a string, not a list",
    "msg_mention_name_user_id_list": "text_entities[0].user_id must be a user id, found a list",
    "msg_mention_name_user_id_string": "text_entities[0].user_id must be a user id, found '1'",
    "msg_date_unixtime_huge": "date_unixtime is out of range (1970-2106): '99999999999999'",
    "msg_date_unixtime_negative": "date_unixtime is out of range",
    "msg_date_unixtime_above_2_63_string": "date_unixtime is out of range",
    "msg_date_unixtime_not_a_number": "date_unixtime must be a number of seconds, found 'soon'",
    "msg_date_unixtime_list": "date_unixtime must be a number of seconds, found a list",
    "msg_date_unixtime_boolean": "date_unixtime must be a number of seconds, found True",
    "msg_date_iso_year_9999": "date is out of range",
    "msg_date_iso_invalid": "date is not a date: '2024-13-45T10:00:00'",
    "msg_no_date": "the message has no date",
    "msg_edited_unixtime_huge": "edited_unixtime is out of range",
    "msg_text_number": "text must be a string or a list, not a number",
    "msg_text_object": "text must be a string or a list, not an object",
    "msg_text_entities_object": "text_entities must be a list, not an object",
    "msg_entity_text_number": "text_entities[0].text must be a string, not a number",
    "msg_entity_type_list": "text_entities[0].type must be a string, not a list",
    "msg_entity_is_number": "text_entities[0] must be a string or an object, not a number",
    "msg_id_string": "id must be a positive integer, found '2'",
    "msg_id_float": "id must be a positive integer, found 2.5",
    "msg_id_boolean": "id must be a positive integer, found True",
    "msg_id_zero": "id must be a positive integer, found 0",
    "msg_id_negative": "id must be a positive integer, found -2",
    "msg_id_missing": "id must be a positive integer, found None",
    "msg_is_a_list": "expected an object, found a list",
    "msg_is_a_string": "expected an object, found a string",
    "msg_is_null": "expected an object, found null",
    "msg_reactions_object": "reactions must be a list, not an object",
    "msg_reaction_count_string": "a reaction count must be a whole number, found 'many'",
    "msg_reaction_count_huge": "a reaction count must be a whole number",
    "msg_reaction_is_number": "each reaction must be an object, not a number",
    "msg_forwarded_from_nested": "forwarded_from must be a name, not a list",
}
STORED = {"ok_media_type_list": 3, "ok_reaction_emoji_list": 3, "ok_reaction_counts_add_up_past_2_31": 3,
          "ok_nul_characters": 3, "ok_deep_unused_field": 3, "ok_huge_text": 3, "ok_forwarded_from_number": 3,
          "ok_type_list": 2}  # a message whose type is not "message" is a service message
REFUSED = {
    "file_empty": "is empty (0 bytes)",
    "file_whitespace_5k": "is empty (only whitespace)",
    "file_html": "looks like an HTML export",
    "file_truncated": "the file ends in the middle of message #2 (id 2)",
    "file_syntax_error": "invalid JSON at byte 332 (line 1, column 333), in message #2 (id 2)",
    "file_top_level_list": "the top level is a list",
    "file_not_an_export": "no 'messages' or 'chats' at the top level",
    "file_utf16": "is not UTF-8 text",
    "file_latin1_bytes": "invalid bytes in UTF8 string",
    "file_lone_surrogate_escape": "in message #1 (id 1): a \\u escape that is not a character",
    "file_integer_above_2_63": "in message #2: parse error: integer overflow",
    "file_integer_above_2_63_elsewhere": "in message #1 (id 1): parse error: integer overflow",
    "file_float_overflow": "numeric (floating point) overflow",
    "file_chat_id_string": "has an id that is not an integer: 'abc'",
    "file_chat_id_huge": "has an id out of range",
    "file_messages_not_a_list": "'messages' must be a list",
    "file_trailing_garbage": "after message #3 (id 3): parse error: trailing garbage",
    "file_random_bytes": "is not a Telegram Desktop export",
    "file_gzip": "is a gzip archive: unpack it",
    "file_nested_100k": "the chat has no id",
    "file_nul_bytes": "is not UTF-8 text",
}
FILES = sorted(CORPUS.glob("*.json"))


def run(export: Path, db: Path):
    return CliRunner().invoke(cli, ["import", str(export), "--db", str(db), "--model", "fake"],
                                catch_exceptions=False)


def test_every_corpus_file_has_an_expectation():
    assert {f.stem for f in FILES} == set(SKIPPED) | set(STORED) | set(REFUSED)
    assert len(FILES) == 64


@pytest.mark.parametrize("export", FILES, ids=[f.stem for f in FILES])
def test_a_bad_export_gets_one_line_never_a_traceback(export, tmp_path):
    db = tmp_path / "new" / "keeper.db"
    result = run(export, db)
    lines = [line for line in result.output.splitlines() if line.strip(".")]
    assert "Traceback" not in result.output
    if export.stem in REFUSED:
        assert result.exit_code == 1
        assert lines == [lines[0]] and lines[0].startswith("Error: ") and REFUSED[export.stem] in lines[0]
        assert not (tmp_path / "new").exists()  # a failed import leaves nothing behind
        return
    assert result.exit_code == 0, result.output
    with Archive(db, create=False) as archive:
        if export.stem in SKIPPED:
            assert lines[0].startswith("skipped message #2") and SKIPPED[export.stem] in lines[0]
            assert "1 bad messages skipped" in lines[1]
            assert sorted(p.message_id for p in archive.posts()) == [1, 3]
        else:
            assert "0 bad messages skipped" in lines[0]
            assert archive.count() == STORED[export.stem]
