"""Streaming a Telegram Desktop JSON export (result.json) with ijson, one message at a time.

Two shapes are understood:

- a single-chat export: ``{"name", "type", "id", "messages": [...]}``;
- a full-account export: ``{"chats": {"list": [chat, ...]}, "left_chats": {"list": [...]}, ...}``
  where each chat has the single-chat shape.

Only the messages of the chosen chat are ever built as Python objects, one at a time;
everything else is skipped event by event. Syntax errors are reported with their byte
offset, line and column, found by a second (error-path only) pass.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import ijson

BUF_SIZE = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ARCHIVES = ((b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"7z\xbc\xaf", "7-Zip"), (b"Rar!", "RAR"))
_STARTS = {"start_map", "start_array"}
_ENDS = {"end_map", "end_array"}
_CHAT_META = ("name", "type", "id")
_CHANNEL_TYPES = {"public_channel", "private_channel"}
_SUPERGROUP_TYPES = {"public_supergroup", "private_supergroup"}


MAX_CHAT_ID = 1 << 52  # Telegram ids fit in 52 bits; so does the -100<id> Bot API form


def json_type(value: object) -> str:
    """How JSON would name a value's type ("a number", "a list", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a string"


def shown_value(value: object, limit: int = 60) -> str:
    """A value for an error message: scalars as themselves (cut short), containers by type."""
    if isinstance(value, (dict, list)):
        return json_type(value)
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class ExportError(ValueError):
    """A Telegram export that cannot be read; the message says what and where."""

    def __init__(self, message: str, *, offset: int | None = None, position: int | None = None,
                 message_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.position = position
        self.message_id = message_id


@dataclass(frozen=True)
class ChatInfo:
    """A chat of an export, as listed: `index` counts chats in file order from 0."""

    index: int
    name: str | None
    type: str | None
    id: int | None
    message_count: int | None = None  # None while the chat is still being read
    left: bool = False

    @property
    def is_channel(self) -> bool:
        return self.type in _CHANNEL_TYPES

    @property
    def api_id(self) -> int | None:
        """The Bot API chat id: -100<id> for channels and supergroups, -<id> for groups."""
        if self.id is None:
            return None
        if self.id < 0:
            return self.id  # already a Bot API id
        if self.type in _CHANNEL_TYPES or self.type in _SUPERGROUP_TYPES:
            return -int(f"100{self.id}")
        if self.type == "private_group":
            return -self.id
        return self.id

    def describe(self) -> str:
        bits = [f"id {self.id}", self.type or "unknown type"]
        if self.message_count is not None:
            bits.append(f"{self.message_count} messages")
        if self.left:
            bits.append("left")
        return f"{self.name!r} ({', '.join(bits)})"


# -- locating and sniffing the file -------------------------------------------------------

_HTML_HINT = ("this looks like an HTML export (messages.html); re-export with "
              "'Machine-readable JSON' as the format in Telegram Desktop's export settings")


def locate(path: str | Path) -> tuple[Path, int]:
    """The result.json to read and the byte offset its JSON starts at (after a BOM).

    Accepts the file itself or the export's folder. Raises ExportError for a missing or
    empty file, an HTML export, or a folder without result.json.
    """
    p = Path(path)
    if p.is_dir():
        if (p / "result.json").is_file():
            p = p / "result.json"
        elif any(p.glob("messages*.html")):
            raise ExportError(f"{p}: {_HTML_HINT}")
        else:
            raise ExportError(f"{p} has no result.json; pass a Telegram Desktop JSON export "
                              "(the folder or its result.json)")
    if not p.is_file():
        raise ExportError(f"no such file: {p}")
    if p.stat().st_size == 0:
        raise ExportError(f"{p} is empty (0 bytes); export the chat again")
    with open(p, "rb") as f:
        head = f.read(4096)
        start = len(_BOM) if head.startswith(_BOM) else 0
        if head.startswith(_UTF16_BOMS) or b"\x00" in head[:2]:
            raise ExportError(f"{p} is not UTF-8 text (UTF-16, or not text at all); Telegram Desktop "
                              "writes UTF-8 JSON: export the chat again")
        for magic, kind in _ARCHIVES:
            if head.startswith(magic):
                raise ExportError(f"{p} is a {kind} archive: unpack it and import its result.json")
        first = head[start:].lstrip()[:1]
        while not first and len(head) == 4096:  # leading whitespace longer than the first read
            head = f.read(1 << 16)
            first = head.lstrip()[:1]
    if first == b"<" or p.suffix.lower() in {".html", ".htm"}:
        raise ExportError(f"{p}: {_HTML_HINT}")
    if not first:
        raise ExportError(f"{p} is empty (only whitespace); export the chat again")
    return p, start


# -- reading bytes ------------------------------------------------------------------------

class _Reader:
    """A file wrapper that counts bytes (for progress and error positions).

    With `slow_from`, it hands the parser one byte at a time from that offset on, so a
    parse error is raised exactly at the offending byte (used only to locate errors).
    """

    def __init__(self, f, start: int, bar=None, slow_from: int | None = None):
        self.f = f
        self.start = start
        self.pos = start
        self.last_start = start
        self.bar = bar
        self.slow_from = slow_from
        self.eof = False
        self.lines = 0
        self.line_start = 0

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson probes with read(0) to see bytes or str
            return b""
        if self.slow_from is not None:
            n = 1 if self.pos >= self.slow_from else min(n if n > 0 else BUF_SIZE, self.slow_from - self.pos)
        data = self.f.read(n)
        if not data:
            self.eof = True
            return data
        self.last_start = self.pos
        if self.slow_from is not None:
            newlines = data.count(b"\n")
            if newlines:
                self.lines += newlines
                self.line_start = self.pos + data.rindex(b"\n") + 1
        self.pos += len(data)
        if self.bar is not None:
            self.bar.update(len(data))
        return data


# ijson raises UnicodeDecodeError for a \\u escape that is not a character (a lone surrogate).
_PARSE_ERRORS = (ijson.JSONError, UnicodeDecodeError)


def _parser_message(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "a \\u escape that is not a character (a lone UTF-16 surrogate)"
    text = str(error)
    if text[:2] in ("b'", 'b"'):
        text = text[2:]
    return text.replace("\\n", "\n").splitlines()[0].strip() if text.strip() else "invalid JSON"


def _locate_error(path: Path, start: int, slow_from: int) -> tuple[int, int, int, bool]:
    """Re-parse up to the failing chunk, then byte by byte: (offset, line, column, at_eof)."""
    with open(path, "rb") as f:
        f.seek(start)
        reader = _Reader(f, start, slow_from=slow_from)
        try:
            for _ in ijson.basic_parse(reader, buf_size=BUF_SIZE, use_float=True):
                pass
        except _PARSE_ERRORS:
            pass
        offset = reader.pos if reader.eof else reader.pos - 1
        return offset, reader.lines + 1, offset - reader.line_start + 1, reader.eof


# -- walking the document -----------------------------------------------------------------

Want = Callable[[str, int, dict], bool]


class _Walker:
    """Walks the parse events; yields ("begin", ChatInfo), ("message", position, raw),
    ("chat", ChatInfo) at the end of every chat, and ("end", shape) at the end.

    `want(shape, index, meta)` is asked when a chat's `messages` begin (with the meta
    keys seen so far) and decides whether its messages are built and yielded.
    """

    def __init__(self, path: Path, reader: _Reader, want: Want):
        self.path = path
        self.reader = reader
        self.want = want
        self._events = ijson.basic_parse(reader, buf_size=BUF_SIZE, use_float=True)
        self.shape: str | None = None
        self.chat: dict | None = None
        self.chat_index = -1
        self.position = 0
        self.in_message = False
        self.message_id: int | None = None
        self.builder: ijson.ObjectBuilder | None = None

    # errors ---------------------------------------------------------------------------
    def _current_id(self) -> int | None:
        if self.builder is not None and isinstance(self.builder.value, dict):
            value = self.builder.value.get("id")
            return value if isinstance(value, int) else None
        return self.message_id

    def _where(self) -> str:
        parts = []
        if self.shape == "account" and self.chat is not None:
            name = self.chat.get("name")
            parts.append(f"chat #{self.chat_index + 1}" + (f" ({name!r})" if name else ""))
        mid = self._current_id()
        if self.in_message:
            parts.append(f"message #{self.position}" + (f" (id {mid})" if mid is not None else ""))
        elif self.position:
            parts.append(f"after message #{self.position}" + (f" (id {mid})" if mid is not None else ""))
        return ", ".join(parts)

    def _syntax_error(self, error: Exception) -> ExportError:
        offset, line, column, eof = _locate_error(self.path, self.reader.start, self.reader.last_start)
        where = self._where()
        if eof:
            if self.in_message:
                what = f"the file ends in the middle of {where}"
            elif where:
                what = f"the file ends {where}, before the export is complete"
            else:
                what = "the file ends before the export is complete"
            return ExportError(f"{self.path.name}: {what} (byte {offset}); the export or its "
                               "download was probably cut short, export again",
                               offset=offset, position=self.position or None, message_id=self._current_id())
        return ExportError(
            f"{self.path.name}: invalid JSON at byte {offset} (line {line}, column {column})"
            + (f", in {where}" if where and self.in_message else (f", {where}" if where else ""))
            + f": {_parser_message(error)}",
            offset=offset, position=self.position or None, message_id=self._current_id())

    def _next(self) -> tuple[str, object]:
        try:
            return next(self._events)
        except StopIteration:
            raise self._syntax_error(ValueError("premature end")) from None
        except _PARSE_ERRORS as error:
            raise self._syntax_error(error) from None

    def _not_export(self, detail: str) -> ExportError:
        return ExportError(f"{self.path.name} is not a Telegram Desktop export: {detail}")

    # values ---------------------------------------------------------------------------
    def _skip(self, event: str, note_id: bool = False) -> None:
        """Skip one value; with `note_id`, remember a skipped message's id (for errors)."""
        if event not in _STARTS:
            return
        depth = 1
        while depth:
            event, value = self._next()
            if event in _STARTS:
                depth += 1
            elif event in _ENDS:
                depth -= 1
            elif note_id and depth == 1 and event == "map_key" and value == "id":
                event, value = self._next()
                self.message_id = value if isinstance(value, int) else None
                self._skip(event)

    def _skip_message(self, event: str) -> None:
        """Skip one message, noting its id (for error messages) on the way."""
        self._skip(event, note_id=event == "start_map")

    def _build(self, event: str, value: object) -> object:
        builder = self.builder = ijson.ObjectBuilder()
        builder.event(event, value)
        if event in _STARTS:
            depth = 1
            while depth:
                event, value = self._next()
                builder.event(event, value)
                if event in _STARTS:
                    depth += 1
                elif event in _ENDS:
                    depth -= 1
        self.builder = None
        return builder.value

    # structure ------------------------------------------------------------------------
    def walk(self) -> Iterator[tuple]:
        try:
            event, _ = next(self._events)
        except StopIteration:
            raise ExportError(f"{self.path.name} is empty; export the chat again") from None
        except _PARSE_ERRORS as error:
            raise self._syntax_error(error) from None
        if event != "start_map":
            kind = {"start_array": "a list"}.get(event, "a single value")
            raise self._not_export(f"the top level is {kind}, not an object with 'messages' or 'chats'")
        meta: dict = {}
        keys: list[str] = []
        count = 0
        while True:
            event, key = self._next()
            if event == "end_map":
                break
            keys.append(key)
            if key == "messages" and self.shape != "account":
                self.shape, self.chat, self.chat_index = "single", meta, 0
                count = yield from self._messages(meta)
            elif key in ("chats", "left_chats") and self.shape != "single":
                self.shape = "account"
                yield from self._section(key)
            else:
                event, value = self._next()
                if key in _CHAT_META and event not in _STARTS:
                    meta[key] = value
                self._skip(event)
        try:  # anything after the top-level object is an error too
            next(self._events)
        except StopIteration:
            pass
        except _PARSE_ERRORS as error:
            raise self._syntax_error(error) from None
        if self.shape is None:
            shown = ", ".join(repr(k) for k in keys[:8]) or "none"
            raise self._not_export(f"no 'messages' or 'chats' at the top level (keys: {shown})")
        if self.shape == "single":
            yield ("chat", _info(self.path, 0, meta, count, False))
        yield ("end", self.shape)

    def _section(self, key: str) -> Iterator[tuple]:
        event, _ = self._next()
        if event != "start_map":
            raise self._not_export(f"'{key}' should be an object with a 'list' of chats")
        while True:
            event, sub = self._next()
            if event == "end_map":
                return
            event, _ = self._next()
            if sub != "list":
                self._skip(event)
                continue
            if event != "start_array":
                raise self._not_export(f"'{key}.list' should be a list of chats")
            while True:
                event, _ = self._next()
                if event == "end_array":
                    break
                self.chat_index += 1
                if event != "start_map":
                    raise self._not_export(f"chat #{self.chat_index + 1} in '{key}' is not an object")
                yield from self._chat(left=key == "left_chats")

    def _chat(self, left: bool) -> Iterator[tuple]:
        meta: dict = {}
        self.chat, self.position, self.message_id = meta, 0, None
        count = 0
        while True:
            event, key = self._next()
            if event == "end_map":
                break
            if key == "messages":
                count = yield from self._messages(meta)
                continue
            event, value = self._next()
            if key in _CHAT_META and event not in _STARTS:
                meta[key] = value
            self._skip(event)
        yield ("chat", _info(self.path, self.chat_index, meta, count, left))
        self.chat, self.position, self.message_id = None, 0, None

    def _messages(self, meta: dict):
        event, _ = self._next()
        if event != "start_array":
            raise ExportError(f"{self.path.name}: {self._where() or 'the chat'}: 'messages' must be a list")
        wanted = self.want(self.shape, max(self.chat_index, 0), dict(meta))
        if wanted:
            yield ("begin", _info(self.path, max(self.chat_index, 0), meta, None, False))
        self.position, self.message_id = 0, None
        while True:
            event, value = self._next()
            if event == "end_array":
                return self.position
            self.position += 1
            self.in_message = True
            if wanted:
                raw = self._build(event, value)
                self.in_message = False
                self.message_id = raw.get("id") if isinstance(raw, dict) else None
                yield ("message", self.position, raw)
            else:
                self.message_id = None
                self._skip_message(event)
                self.in_message = False


def _info(path: Path, index: int, meta: dict, count: int | None, left: bool) -> ChatInfo:
    chat_id = meta.get("id")
    name = meta.get("name")
    shown = repr(name[:80]) if isinstance(name, str) else "#" + str(index + 1)
    if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
        raise ExportError(f"{path.name}: chat {shown} has an id that is not an integer: {shown_value(chat_id)}")
    if chat_id is not None and not -MAX_CHAT_ID < chat_id < MAX_CHAT_ID:
        raise ExportError(f"{path.name}: chat {shown} has an id out of range: {chat_id}")
    return ChatInfo(index=index, name=name if isinstance(name, str) else None,
                    type=meta.get("type") if isinstance(meta.get("type"), str) else None,
                    id=chat_id, message_count=count, left=left)


def walk(path: Path, start: int, want: Want, bar=None) -> Iterator[tuple]:
    """Stream the export at `path` (see _Walker for what is yielded)."""
    with open(path, "rb") as f:
        f.seek(start)
        yield from _Walker(path, _Reader(f, start, bar), want).walk()


def progress_bar(path: Path, enabled: bool | None, desc: str):
    """A tqdm bar over the file's bytes; off unless asked for or stderr is a terminal."""
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=path.stat().st_size, unit="B", unit_scale=True, unit_divisor=1024,
                desc=desc, disable=not enabled, leave=True)
