"""Import a Telegram Desktop export (result.json) into the archive.

Streaming: the file is read with ijson; only the chosen chat's messages are built, one
at a time, so a 1 GB export never sits in memory. A full-account export is scanned once
to list its chats (which also checks the whole file's syntax before anything is
written), then the chosen chat is streamed.

Checking: a message that cannot be stored as it is (a wrong type, a date outside
1970-2106, an id that is not one) is skipped; the report counts it and keeps its one-line
reason ("message #13 (id 1712): text must be ..."). A file that cannot be read (invalid
JSON, cut short, a number past 2^63, a \\u escape that is not a character, not an export at
all) raises an ExportError that says what and where.

Writing: messages become IncomingPost values (source "export", channel id in Bot API
form, -100<id>) and are written in batches. A batch is converted and checked completely
first, an album is never split across batches, and each batch is one transaction: its
posts, parts, versions, full-text rows and the import's progress commit together or not
at all (kill -9 included). On an error the batch being gathered is dropped and the
batches committed before it stay (they hold complete posts). Re-running after fixing the
file writes the rest: rewriting a stored post with the same content is a no-op
("unchanged"). One import (or reindex, or repair) writes a database at a time: another
gets WriterBusy, naming the running one's pid.

Progress: each (file, chat) import is recorded in the `imports` table (file size, mtime,
hash of its first MiB, messages committed, status). A re-run of the same unchanged file
skips writing what was already committed; correctness never depends on it, since the
store's (channel, message) key already makes rewrites no-ops. `force=True` ignores it.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from archive.db import transaction, writer_lock
from archive.export_stream import (ChatInfo, ExportError, json_type, locate, progress_bar, shown_value,
                                   walk)
from archive.models import IncomingPost, WriteResult
from archive.text import from_export_parts

__all__ = ["ExportError", "ChatInfo", "ImportReport", "import_and_embed", "import_export", "iter_export",
           "list_chats"]

# Export `media_type` values -> IncomingPost.media (Bot API names).
_MEDIA_TYPES = {
    "video_file": "video", "animation": "animation", "voice_message": "voice",
    "audio_file": "audio", "video_message": "video_note", "sticker": "sticker",
}
_ALBUM_MEDIA = {"photo", "video", "document", "audio"}
MAX_SKIP_REASONS = 100


@dataclass
class ImportReport:
    """What an import did. Posts are counted once per post (an album is one post)."""

    chat_title: str | None = None
    channel_id: int | None = None
    messages_seen: int = 0
    posts_created: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    service_skipped: int = 0
    albums_grouped: int = 0
    seconds: float = 0.0
    already_imported: int = 0  # of the unchanged: skipped thanks to the progress record
    messages_skipped: int = 0  # messages that could not be stored as they are (see skip_reasons)
    skip_reasons: list[str] = field(default_factory=list)  # the first MAX_SKIP_REASONS, one line each
    path: str | None = None
    model: str | None = None  # set by import_and_embed: the model that encoded
    passages_encoded: int = 0

    @property
    def posts(self) -> int:
        return self.posts_created + self.posts_updated + self.posts_unchanged

    def summary(self) -> str:
        return (f"{self.chat_title!r} ({self.channel_id}): {self.messages_seen} messages, "
                f"{self.posts_created} new posts, {self.posts_updated} updated, "
                f"{self.posts_unchanged} unchanged, {self.service_skipped} service messages skipped, "
                f"{self.messages_skipped} bad messages skipped, {self.albums_grouped} albums, "
                f"{self.seconds:.1f}s")


# -- converting one message -----------------------------------------------------------------
# Telegram dates are unsigned 32-bit seconds; anything outside is not a date it wrote.
MAX_TIMESTAMP = (1 << 32) - 1
MAX_MESSAGE_ID = (1 << 53) - 1
MAX_COUNT = (1 << 31) - 1


def _timestamp(raw: dict, unix_key: str, iso_key: str, where: str, required: bool) -> int | None:
    value = raw.get(unix_key)
    if value is not None:
        try:
            if isinstance(value, (bool, dict, list)):
                raise TypeError
            seconds = int(value)
        except (TypeError, ValueError, OverflowError):
            raise ExportError(f"{where}: {unix_key} must be a number of seconds, "
                              f"found {shown_value(value)}") from None
    elif raw.get(iso_key) is not None:
        # Old exports lack *_unixtime; their local-time string is read as UTC (best effort).
        value = raw[iso_key]
        try:
            seconds = int(datetime.fromisoformat(value).replace(tzinfo=timezone.utc).timestamp())
        except (TypeError, ValueError, OverflowError):
            raise ExportError(f"{where}: {iso_key} is not a date: {shown_value(value)}") from None
    elif required:
        raise ExportError(f"{where}: the message has no date ({unix_key} or {iso_key})")
    else:
        return None
    if not 0 <= seconds <= MAX_TIMESTAMP:
        raise ExportError(f"{where}: {unix_key if raw.get(unix_key) is not None else iso_key} "
                          f"is out of range (1970-2106): {shown_value(value)}")
    return seconds


def _check_parts(parts: object, key: str, where: str) -> None:
    if parts is None or isinstance(parts, str):
        return
    if not isinstance(parts, list):
        raise ExportError(f"{where}: {key} must be a string or a list, not {json_type(parts)}")
    for i, part in enumerate(parts):
        if isinstance(part, str):
            continue
        if not isinstance(part, dict):
            raise ExportError(f"{where}: {key}[{i}] must be a string or an object, not {json_type(part)}")
        for name, default in (("text", ""), ("type", "plain")):
            if not isinstance(part.get(name, default), str):
                raise ExportError(f"{where}: {key}[{i}].{name} must be a string, "
                                  f"not {json_type(part.get(name))}")
        href = part.get("href")
        if href is not None and not isinstance(href, str):
            raise ExportError(f"{where}: {key}[{i}].href must be a string, not {json_type(href)}")
        user_id = part.get("user_id")
        if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)
                                    or not 0 < user_id <= MAX_MESSAGE_ID):
            raise ExportError(f"{where}: {key}[{i}].user_id must be a user id, found {shown_value(user_id)}")


def _media(raw: dict) -> str | None:
    if "photo" in raw:
        return "photo"
    media_type = raw.get("media_type")
    if isinstance(media_type, str) and media_type in _MEDIA_TYPES:
        return _MEDIA_TYPES[media_type]
    if "file" in raw:
        return "document"
    for key, media in (("poll", "poll"), ("location_information", "location"),
                       ("contact_information", "contact")):
        if key in raw:
            return media
    return None


def _reactions(raw: dict, where: str) -> dict[str, int] | None:
    items = raw.get("reactions")
    if items is None:
        return None
    if not isinstance(items, list):
        raise ExportError(f"{where}: reactions must be a list, not {json_type(items)}")
    counts: dict[str, int] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ExportError(f"{where}: each reaction must be an object, not {json_type(item)}")
        kind = item.get("type")
        if kind == "emoji":
            key = item.get("emoji")
        elif kind == "custom_emoji":
            key = item.get("document_id") or "custom"
        else:
            key = kind
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        key = key if isinstance(key, str) and key else "unknown"
        count = item.get("count", 0)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            raise ExportError(f"{where}: a reaction count must be a whole number, found {shown_value(count)}")
        counts[key] = min(counts.get(key, 0) + count, MAX_COUNT)
    return counts


def _forwarded_from(raw: dict, where: str) -> str | None:
    value = raw.get("forwarded_from")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ExportError(f"{where}: forwarded_from must be a name, not {json_type(value)}")


def to_incoming(raw: object, position: int, channel_id: int) -> IncomingPost | None:
    """One export message as an IncomingPost; None for service messages.

    `position` is the message's 1-based place in the chat's list (for error messages).
    Raises ExportError (with `position` and `message_id` set) for a message that cannot
    be stored as it is: a wrong type, a date out of range, an id that is not one.
    """
    where = f"message #{position}"
    if not isinstance(raw, dict):
        raise ExportError(f"{where}: expected an object, found {json_type(raw)}", position=position)
    message_id = raw.get("id")
    if isinstance(message_id, bool) or not isinstance(message_id, int) or not 0 < message_id <= MAX_MESSAGE_ID:
        raise ExportError(f"{where}: id must be a positive integer, found {shown_value(message_id)}",
                          position=position)
    where = f"message #{position} (id {message_id})"
    try:
        if raw.get("type", "message") != "message":
            return None
        text = raw.get("text")
        text = "" if text is None else text
        if not isinstance(text, (str, list)):
            raise ExportError(f"{where}: text must be a string or a list, not {json_type(text)}")
        _check_parts(text, "text", where)
        text_entities = raw.get("text_entities")
        if text_entities is not None and not isinstance(text_entities, list):
            raise ExportError(f"{where}: text_entities must be a list, not {json_type(text_entities)}")
        _check_parts(text_entities, "text_entities", where)
        body, entities = from_export_parts(text, text_entities or None)
        return IncomingPost(
            channel_id=channel_id, message_id=message_id,
            date=_timestamp(raw, "date_unixtime", "date", where, required=True),
            text=body, entities=entities,
            edit_date=_timestamp(raw, "edited_unixtime", "edited", where, required=False),
            forwarded_from=_forwarded_from(raw, where),
            media=_media(raw), reactions=_reactions(raw, where), source="export",
        )
    except ExportError as error:
        error.position, error.message_id = position, message_id
        raise
    except ValueError as error:  # from_export_parts
        raise ExportError(f"{where}: {error}", position=position, message_id=message_id) from None


# -- grouping albums ------------------------------------------------------------------------

@dataclass
class _Unit:
    """One post to write: a single message or an album's messages."""

    posts: list[IncomingPost]
    last_position: int


@dataclass
class _Counters:
    messages: int = 0
    service: int = 0
    albums: int = 0
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)

    def skip(self, error: ExportError) -> None:
        self.skipped += 1
        if len(self.skip_reasons) < MAX_SKIP_REASONS:
            self.skip_reasons.append(str(error))


def _joins(run: list[IncomingPost], post: IncomingPost) -> bool:
    first, last = run[0], run[-1]
    return (post.media in _ALBUM_MEDIA and first.media in _ALBUM_MEDIA
            and post.date == first.date and post.message_id == last.message_id + 1
            and post.forwarded_from == first.forwarded_from)


def _units(messages: Iterable[tuple[int, object]], channel_id: Callable[[], int],
           counters: _Counters) -> Iterator[_Unit]:
    """Convert messages and group albums (the export has no media_group_id).

    `channel_id()` is asked per message: the stream learns the chat as it begins.
    """
    run: list[IncomingPost] = []
    positions: list[int] = []
    for position, raw in messages:
        counters.messages += 1
        try:
            post = to_incoming(raw, position, channel_id())
        except ExportError as error:  # this message only: the others are still worth having
            counters.skip(error)
            continue
        if post is None:
            counters.service += 1
            if run:
                yield from _split(run, positions, counters)
                run, positions = [], []
            continue
        if run and _joins(run, post):
            run.append(post)
            positions.append(position)
            continue
        if run:
            yield from _split(run, positions, counters)
        run, positions = [post], [position]
    if run:
        yield from _split(run, positions, counters)


def _split(run: list[IncomingPost], positions: list[int], counters: _Counters) -> Iterator[_Unit]:
    # Several media messages sent in the same second with at most one caption: an album.
    if len(run) > 1 and sum(1 for p in run if p.text) <= 1:
        group = f"export:{run[0].message_id}"
        for post in run:
            post.media_group_id = group
        counters.albums += 1
        yield _Unit(run, positions[-1])
        return
    for post, position in zip(run, positions):  # not an album: one post per message
        yield _Unit([post], position)


# -- choosing the chat ----------------------------------------------------------------------

def _matches_id(info: ChatInfo, chat: int | str) -> bool:
    try:
        wanted = int(str(chat).strip())
    except ValueError:
        return False
    return info.id is not None and wanted in {info.id, info.api_id}


def _listing(infos: list[ChatInfo]) -> str:
    channels = [i for i in infos if i.is_channel]
    shown = channels or infos
    text = "; ".join(i.describe() for i in shown[:20])
    if len(shown) > 20:
        text += f"; and {len(shown) - 20} more"
    if channels:
        others = len(infos) - len(channels)
        return f"channels: {text}" + (f" (plus {others} other chats)" if others else "")
    return f"chats: {text}"


def _choose(infos: list[ChatInfo], shape: str, chat: int | str | None, name: str) -> ChatInfo:
    if not infos:
        raise ExportError(f"{name} holds no chats; in Telegram Desktop's export settings tick the "
                          "channel's chat type (e.g. 'Public channels')")
    if chat is None:
        if len(infos) == 1:
            return infos[0]
        raise ExportError(f"{name} holds {len(infos)} chats; choose one by name or id "
                          f"(chat=...). {_listing(infos)}")
    found = [i for i in infos if i.name == str(chat)] or [i for i in infos if _matches_id(i, chat)] \
        or [i for i in infos if i.name and i.name.casefold() == str(chat).casefold()]
    if len(found) == 1:
        return found[0]
    if found:
        raise ExportError(f"several chats in {name} match {chat!r}: "
                          + "; ".join(i.describe() for i in found) + ". Choose one by id")
    if shape == "single":
        raise ExportError(f"{name} holds one chat, {infos[0].describe()}, not {chat!r}")
    raise ExportError(f"no chat {chat!r} in {name}; {_listing(infos)}")


class _Stream:
    """The chosen chat's messages as (position, raw); `.chat` is set before the first."""

    def __init__(self, path: Path, start: int, chat: int | str | None, progress: bool | None):
        self.path, self.start, self.wanted, self.progress = path, start, chat, progress
        self.chat: ChatInfo | None = None
        self.on_begin: Callable[[ChatInfo], None] | None = None

    def _begin(self, info: ChatInfo) -> None:
        if info.id is None:
            chat = f"chat {info.name!r}" if info.name else "the chat"
            raise ExportError(f"{self.path.name}: {chat} has no id")
        self.chat = info
        if self.on_begin:
            self.on_begin(info)

    def __iter__(self) -> Iterator[tuple[int, object]]:
        infos: list[ChatInfo] = []
        shape = None

        def want_first(kind: str, index: int, meta: dict) -> bool:
            # A single-chat export streams in one pass when its id precedes `messages`
            # (as in every Telegram export); otherwise a second pass reads them.
            return kind == "single" and "id" in meta

        with progress_bar(self.path, self.progress, "reading export") as bar:
            for event in walk(self.path, self.start, want_first, bar):
                if event[0] == "begin":
                    _choose([event[1]], "single", self.wanted, self.path.name)
                    self._begin(event[1])
                elif event[0] == "message":
                    yield event[1], event[2]
                elif event[0] == "chat":
                    infos.append(event[1])
                else:
                    shape = event[1]
        if self.chat is not None:
            self.chat = infos[0]  # now with its message count
            return
        target = _choose(infos, shape, self.wanted, self.path.name)

        def want_target(kind: str, index: int, meta: dict) -> bool:
            return index == target.index

        with progress_bar(self.path, self.progress, f"importing {target.name}") as bar:
            for event in walk(self.path, self.start, want_target, bar):
                if event[0] == "begin":
                    self._begin(target)
                elif event[0] == "message":
                    yield event[1], event[2]
        if self.chat is None:  # the chosen chat has no `messages` list at all
            self._begin(target)


# -- public API -----------------------------------------------------------------------------

def list_chats(path: str | Path) -> list[ChatInfo]:
    """The chats of an export, in file order (streams the whole file once)."""
    file, start = locate(path)
    return [e[1] for e in walk(file, start, lambda *_: False) if e[0] == "chat"]


def iter_export(path: str | Path, chat: int | str | None = None, *,
                progress: bool | None = False) -> Iterator[IncomingPost]:
    """The chosen chat's posts as IncomingPost values (albums grouped), streamed."""
    file, start = locate(path)
    stream = _Stream(file, start, chat, progress)
    for unit in _units(stream, lambda: stream.chat.api_id, _Counters()):
        yield from unit.posts


def _fingerprint(path: Path) -> dict:
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        digest.update(f.read(1 << 20))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_sha256": digest.hexdigest()}


class _Progress:
    """The `imports` row of this (file, chat)."""

    def __init__(self, db, path: Path, fingerprint: dict, chat: ChatInfo, force: bool):
        self.db = db
        table = db["imports"]
        key = {**fingerprint, "channel_id": chat.api_id}
        rows = list(table.rows_where(
            "size = ? AND mtime_ns = ? AND head_sha256 = ? AND channel_id = ?",
            [key["size"], key["mtime_ns"], key["head_sha256"], key["channel_id"]]))
        now = int(time.time())
        if rows:
            self.id = rows[0]["id"]
            self.done = 0 if force else (rows[0]["messages_done"] or 0)
            self._update(path=str(path), status="running", error=None, started_at=now, finished_at=None)
        else:
            self.done = 0
            with transaction(db):
                self.id = table.insert({**key, "path": str(path), "chat_title": chat.name,
                                        "messages_done": 0, "status": "running",
                                        "started_at": now}).last_pk

    def _update(self, **changes) -> None:
        with transaction(self.db):
            self.db["imports"].update(self.id, changes)

    def record(self, position: int, message_id: int) -> None:
        """Note messages up to `position` as written (inside the batch's transaction)."""
        self._update(messages_done=position, last_message_id=message_id)

    def finish(self, status: str, error: str | None = None, position: int | None = None) -> None:
        changes = {"status": status, "error": error, "finished_at": int(time.time())}
        if position is not None and position > self.done:
            changes["messages_done"] = position
        try:
            self._update(**changes)
        except Exception:  # never hide the error being reported
            pass


def import_export(archive, path: str | Path, *, chat: int | str | None = None,
                  channel_username: str | None = None, progress: bool | None = None,
                  batch_size: int = 500, on_batch: Callable[[list[WriteResult]], None] | None = None,
                  force: bool = False) -> ImportReport:
    """Import one chat of a Telegram Desktop JSON export into `archive`.

    `chat` picks the chat by name or id (bare or -100 form) in a full-account export.
    Each batch (its posts, parts, versions, full-text rows and the import's progress) is
    one transaction; `on_batch(results)` runs after it is committed. A message that cannot
    be stored as it is is skipped and counted (`messages_skipped`, `skip_reasons`).
    Raises ExportError for a file that is not a readable export (batches committed before
    the error are kept), WriterBusy while another import or reindex writes the archive.
    """
    with writer_lock(archive.path, "import"):
        return _import(archive, path, chat, channel_username, progress, batch_size, on_batch, force)


def _import(archive, path, chat, channel_username, progress, batch_size, on_batch, force) -> ImportReport:
    started = time.monotonic()
    file, start = locate(path)
    fingerprint = _fingerprint(file)
    report = ImportReport(path=str(file))
    counters = _Counters()
    stream = _Stream(file, start, chat, progress)
    state: dict = {}

    def begin(info: ChatInfo) -> None:
        report.chat_title, report.channel_id = info.name, info.api_id
        archive.set_channel(info.api_id, info.name, channel_username)
        state["progress"] = _Progress(archive.db, file, fingerprint, info, force)

    stream.on_begin = begin
    batch: list[_Unit] = []

    def flush() -> None:
        if not batch:
            return
        last = batch[-1]
        with archive.transaction():
            results = archive.write_many([p for unit in batch for p in unit.posts])
            state["progress"].record(last.last_position, last.posts[-1].message_id)
        state["progress"].done = last.last_position
        index = 0
        for unit in batch:
            statuses = {r.status for r in results[index:index + len(unit.posts)]}
            index += len(unit.posts)
            if "created" in statuses:
                report.posts_created += 1
            elif "updated" in statuses:
                report.posts_updated += 1
            else:
                report.posts_unchanged += 1
        batch.clear()
        if on_batch is not None:
            on_batch(results)

    try:
        for unit in _units(stream, lambda: report.channel_id, counters):
            if unit.last_position <= state["progress"].done:
                report.posts_unchanged += 1
                report.already_imported += 1
                continue
            batch.append(unit)
            if sum(len(u.posts) for u in batch) >= batch_size:
                flush()
        flush()
    except ExportError as error:
        if "progress" in state:
            state["progress"].finish("failed", str(error))
        raise
    except BaseException as error:
        if "progress" in state:
            state["progress"].finish("interrupted", f"{type(error).__name__}: {error}")
        raise
    if "progress" not in state:  # a chat with no messages at all
        begin(stream.chat)
    state["progress"].finish("done", position=counters.messages)
    report.messages_seen = counters.messages
    report.service_skipped = counters.service
    report.messages_skipped, report.skip_reasons = counters.skipped, counters.skip_reasons
    report.albums_grouped = counters.albums
    report.seconds = time.monotonic() - started
    return report


def import_and_embed(archive, path: str | Path, embedder, *, embed_batch_size: int = 64,
                     embed_progress: bool = False, **options) -> ImportReport:
    """Import an export (`options` as for import_export), then split and encode what is
    new; the report says which model encoded how many passages.

    `embedder` is an embedder, or a function returning one: it is called only once the
    import succeeded, so a bad file never waits for a model to load.
    """
    from archive.vectors import embed_pending

    report = import_export(archive, path, **options)
    if callable(embedder) and not hasattr(embedder, "encode_passages"):
        embedder = embedder()
    report.model = embedder.name
    report.passages_encoded = embed_pending(archive, embedder, batch_size=embed_batch_size,
                                            progress=embed_progress)
    return report
