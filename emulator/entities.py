"""Text entities: UTF-16 offsets, auto-detected entities, Telegram's HTML subset."""
from __future__ import annotations

import html as _html
import re

from aiogram.types import MessageEntity

from .errors import bad_request


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_AUTO = [
    ("bot_command", re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
    ("url", re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'»]")),
]


def auto_entities(text: str) -> list[MessageEntity]:
    """Entities a Telegram client would attach to a typed message."""
    found = []
    for kind, rx in _AUTO:
        for m in rx.finditer(text):
            off = utf16_len(text[: m.start()])
            found.append(MessageEntity(type=kind, offset=off, length=utf16_len(m.group())))
    found.sort(key=lambda e: (e.offset, -e.length))
    return found


_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
    "a": "text_link", "span": "spoiler", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>")
_ATTR = re.compile(r"([A-Za-z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_CHARREF = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def _fail(reason: str):
    return bad_request(f"can't parse entities: {reason}")


def parse_html(source: str) -> tuple[str, list[MessageEntity]]:
    """Telegram's parse_mode=HTML: plain text plus entities, or a 400 like Telegram's."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, dict, int]] = []
    entities: list[MessageEntity] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "&":
            m = _CHARREF.match(source, i)
            piece = _html.unescape(m.group()) if m else "&"
            i = m.end() if m else i + 1
        elif ch == "<":
            m = _TAG.match(source, i)
            offset = len(source[:i].encode())
            if not m:
                raise _fail(f"Unsupported start tag at byte offset {offset}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if not closing:
                if name not in _SIMPLE:
                    raise _fail(f'Unsupported start tag "{name}" at byte offset {offset}')
                parsed = {a.group(1).lower(): _html.unescape(next((g for g in a.groups()[1:] if g is not None), ""))
                          for a in _ATTR.finditer(attrs)}
                stack.append((name, parsed, pos16))
            else:
                if not stack or stack[-1][0] != name:
                    expected = f'"</{stack[-1][0]}>"' if stack else "nothing"
                    raise _fail(f'Unmatched end tag at byte offset {offset}, expected {expected}, found "</{name}>"')
                tag, attrs_d, start = stack.pop()
                entity = _entity(tag, attrs_d, start, pos16 - start, stack, entities)
                if entity is not None:
                    entities.append(entity)
            i = m.end()
            continue
        else:
            piece = ch
            i += 1
        out.append(piece)
        pos16 += utf16_len(piece)
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e.offset, -e.length))
    return "".join(out), entities


def _entity(tag, attrs, offset, length, stack, done) -> MessageEntity | None:
    if length == 0:
        return None
    kind = _SIMPLE[tag]
    extra: dict = {}
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise _fail('Tag "span" must have class "tg-spoiler"')
    if tag == "a":
        href = attrs.get("href", "")
        m = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if m:
            kind, extra = "text_mention", {"user": {"id": int(m.group(1)), "is_bot": False, "first_name": ""}}
        else:
            extra = {"url": href}
    elif tag == "code" and stack and stack[-1][0] == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1][1]["language"] = lang[len("language-"):]
        return None
    elif tag == "pre" and attrs.get("language"):
        extra = {"language": attrs["language"]}
    elif tag == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    elif tag == "tg-emoji":
        extra = {"custom_emoji_id": attrs.get("emoji-id", "")}
    return MessageEntity(type=kind, offset=offset, length=length, **extra)
