"""Property tests: the export reader, the query parser and search() take anything and either
answer or refuse in one line; they never raise anything else, and what they store or
return stays readable. Example counts are bounded so the suite stays fast."""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archive.embeddings import FakeEmbedder
from archive.importer import ExportError, import_export
from archive.query import parse_query
from archive.search import search
from archive.store import Archive
from archive.upkeep import check
from archive.vectors import VectorIndex, embed_pending
from tests.sample import SAMPLE_EXPORT, load_sample

# KEEPER_FUZZ_EXAMPLES=5000 for a long run; the suite's default keeps these few seconds.
EXAMPLES = int(os.environ.get("KEEPER_FUZZ_EXAMPLES", "150"))
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT64 = 2 ** 63 - 1

# -- the export reader ----------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.text(max_size=12)
           | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
numbers_as_text = st.integers(-2 ** 70, 2 ** 70).map(str)
parts = st.fixed_dictionaries(
    {"type": st.sampled_from(["plain", "bold", "text_link", "mention_name", "hashtag", "link", "pre"]) | json_values,
     "text": st.text(max_size=30) | json_values},
    optional={"href": st.text(max_size=20) | json_values,
              "user_id": st.integers(-5, 2 ** 64) | json_values})
messages = st.fixed_dictionaries(
    {"id": st.integers(1, 60) | json_values},
    optional={
        "type": st.sampled_from(["message", "service"]) | json_values,
        "date_unixtime": st.integers(1_600_000_000, 1_800_000_000).map(str) | numbers_as_text | json_values,
        "date": st.sampled_from(["2024-08-01T10:00:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00", "x"])
        | json_values,
        "edited_unixtime": numbers_as_text | json_values,
        "text": st.text(max_size=60) | st.lists(st.text(max_size=20) | parts, max_size=4) | json_values,
        "text_entities": st.lists(parts, max_size=4) | json_values,
        "reactions": st.lists(st.fixed_dictionaries({"type": st.just("emoji"), "emoji": st.text(max_size=2),
                                                     "count": st.integers(-3, 2 ** 40) | json_values}),
                              max_size=3) | json_values,
        "forwarded_from": st.text(max_size=10) | json_values,
        "photo": st.just("photos/1.jpg"),
        "media_type": st.sampled_from(["video_file", "sticker"]) | json_values,
    })


def import_text(raw: bytes) -> tuple[Archive, object]:
    """Import `raw` as a result.json into a new in-memory archive: (archive, report or ExportError)."""
    archive = Archive(":memory:")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "result.json"
        path.write_bytes(raw)
        try:
            return archive, import_export(archive, path, batch_size=7)
        except ExportError as error:
            return archive, error


def assert_readable(archive: Archive) -> None:
    """What was stored can be read back: dates are dates, full text matches the posts."""
    for post in archive.posts():
        dt.datetime.fromtimestamp(post.date, dt.timezone.utc)
        post.text.encode()
    health = check(archive, None)
    assert (health.placeholders, health.missing_text, health.stray_text) == (0, 0, 0)


@BOUNDED
@given(st.lists(messages, max_size=12))
def test_any_messages_are_stored_or_skipped_with_a_reason(batch):
    chat = {"name": "Fuzz", "type": "public_channel", "id": 4242, "messages": batch}
    archive, outcome = import_text(json.dumps(chat).encode())
    if isinstance(outcome, ExportError):  # only the parser's limits refuse a file: numbers past 2^63,
        assert "\n" not in str(outcome)   # \u escapes of lone surrogates
        assert "overflow" in str(outcome) or "escape" in str(outcome)
    else:
        assert outcome.messages_seen == len(batch)
        assert all("\n" not in reason for reason in outcome.skip_reasons)
        stored = archive.db.execute("SELECT COUNT(DISTINCT message_id) FROM post_parts").fetchone()[0]
        assert stored <= len(batch) - outcome.messages_skipped - outcome.service_skipped
    assert_readable(archive)


SMALL_EXPORT = json.dumps({"name": "Fuzz", "type": "public_channel", "id": 4242, "messages": [
    {"id": i, "type": "message", "date_unixtime": str(1_722_500_000 + i), "text": [f"пост {i} ", {
        "type": "text_link", "text": "link", "href": "https://a.b"}],
     "text_entities": [{"type": "plain", "text": f"пост {i} "},
                       {"type": "text_link", "text": "link", "href": "https://a.b"}]} for i in range(1, 6)]},
    ensure_ascii=False).encode()


@BOUNDED
@given(st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "cut"]), st.integers(0, 10 ** 6),
                          st.integers(0, 255)), min_size=1, max_size=4))
def test_a_damaged_file_is_imported_or_refused_in_one_line(edits):
    raw = bytearray(SMALL_EXPORT)
    for kind, at, byte in edits:
        at %= max(len(raw), 1)
        if kind == "flip" and raw:
            raw[at] = byte
        elif kind == "insert":
            raw[at:at] = bytes([byte])
        elif kind == "delete" and raw:
            del raw[at]
        elif kind == "cut":
            del raw[at:]
    archive, outcome = import_text(bytes(raw))
    if isinstance(outcome, ExportError):
        assert "\n" not in str(outcome)
    assert_readable(archive)


# -- the query parser -----------------------------------------------------------------------

surrogates = st.integers(0xD800, 0xDFFF).map(chr)
query_pieces = st.sampled_from(["since:", "until:", "с:", "до:", "#", "#ml", " ", "2024-08-01", "2024-02",
                                "9999-12-31", "0001-01-01", "9999", "31.12.9999", "2024-13-01", "leakage"])
queries = st.lists(query_pieces | st.text(max_size=8) | surrogates, max_size=12).map("".join)
ZONES = ["Europe/Moscow", "UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(queries, st.sampled_from(ZONES))
def test_any_query_text_parses(raw, tz):
    query = parse_query(raw, tz)
    query.text.encode()  # no lone surrogates left to break a tokenizer
    for bound in (query.since, query.until):
        assert bound is None or -INT64 <= bound <= INT64


@BOUNDED
@given(st.dates(), st.dates(), st.sampled_from(ZONES))
def test_since_is_the_first_day_and_until_the_last_day_included(first, last, tz):
    query = parse_query(f"x since:{first.isoformat()} until:{last.isoformat()}", tz)
    zone = ZoneInfo(tz)
    assert query.since == int(dt.datetime(first.year, first.month, first.day, tzinfo=zone).timestamp())
    if last == dt.date.max:
        assert query.until is None
    else:
        end_of_last = dt.datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=zone).timestamp()
        assert end_of_last < query.until <= end_of_last + 1


# -- search() -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_archive():
    archive = load_sample(Archive(":memory:"))
    embedder = FakeEmbedder()
    embed_pending(archive, embedder)
    index = VectorIndex(embedder.name)
    return archive, embedder, index


@BOUNDED
@given(query=queries, mode=st.sampled_from(["fts", "dense", "hybrid"]), limit=st.integers(-5, 10 ** 6),
       offset=st.integers(-5, 2 ** 70), since=st.none() | st.integers(-INT64, INT64),
       until=st.none() | st.integers(-INT64, INT64), hashtag=st.none() | st.text(max_size=6) | surrogates)
def test_search_answers_any_options(fuzz_archive, query, mode, limit, offset, since, until, hashtag):
    archive, embedder, index = fuzz_archive
    page = search(archive, query, mode=mode, limit=limit, offset=offset, since=since, until=until,
                  hashtag=hashtag, embedder=embedder, index=index)
    assert len(page.hits) <= max(1, min(limit, 100))
    for hit in page.hits:
        assert (since is None or hit.date >= since) and (until is None or hit.date < until)
        hit.snippet.encode()


def test_the_sample_round_trips_through_the_fuzzed_reader():
    # the strategies above can reach the real shape: the sample itself imports clean
    archive, outcome = import_text(SAMPLE_EXPORT.read_bytes())
    assert outcome.posts_created == 26 and outcome.messages_skipped == 0
