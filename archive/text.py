"""Message text and entities: UTF-16 offsets, export text parts, derived facts."""
from __future__ import annotations

import html
import re

from archive.models import Entity

# Export `text_entities` types that map to Bot API entity types.
_EXPORT_TYPES = {
    "bold": "bold", "italic": "italic", "underline": "underline",
    "strikethrough": "strikethrough", "spoiler": "spoiler", "code": "code",
    "pre": "pre", "link": "url", "text_link": "text_link", "mention": "mention",
    "mention_name": "text_mention", "hashtag": "hashtag", "cashtag": "cashtag",
    "bot_command": "bot_command", "email": "email", "phone": "phone_number",
    "bank_card": "bank_card", "blockquote": "blockquote", "custom_emoji": "custom_emoji",
}
_HASHTAG = re.compile(r"(?<![\w#])#(\w{2,})", re.UNICODE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


def clean(text: str) -> str:
    """Text that can be stored and encoded: surrogate code points (from a JSON \\u escape,
    or bytes a terminal could not decode) joined into characters where they pair up, else
    U+FFFD. UTF-16 lengths, hence entity offsets, do not change."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The substring at a UTF-16 offset and length (how the Bot API counts)."""
    raw = text.encode("utf-16-le")
    return raw[offset * 2:(offset + length) * 2].decode("utf-16-le", errors="replace")


def from_export_parts(text: str | list, text_entities: list | None = None) -> tuple[str, list[Entity]]:
    """Rebuild plain text and UTF-16 entities from an export's `text`/`text_entities`.

    `text_entities` (always a list) is preferred; `text` may be a string or a list of
    strings and {type, text, href?} objects.
    """
    parts = text_entities if text_entities else text
    if isinstance(parts, str):
        return parts, []
    if not isinstance(parts, list):
        raise ValueError(f"text must be a string or a list, not {type(parts).__name__}")
    chunks: list[str] = []
    entities: list[Entity] = []
    offset = 0
    for part in parts:
        if isinstance(part, str):
            piece, kind, href, user_id = part, "plain", None, None
        elif isinstance(part, dict):
            piece = str(part.get("text", ""))
            kind, href, user_id = part.get("type", "plain"), part.get("href"), part.get("user_id")
        else:
            raise ValueError(f"unexpected text part of type {type(part).__name__}")
        length = utf16_len(piece)
        api_type = _EXPORT_TYPES.get(kind)
        if api_type and length:
            entities.append(Entity(api_type, offset, length,
                                   url=href if api_type == "text_link" else None,
                                   user_id=int(user_id) if api_type == "text_mention" and user_id else None))
        chunks.append(piece)
        offset += length
    return "".join(chunks), entities


def entity_text(text: str, entity: Entity) -> str:
    return utf16_slice(text, entity.offset, entity.length)


def hashtags(text: str, entities: list[Entity]) -> list[str]:
    """Lower-cased hashtags without '#', from entities and from the text itself."""
    found = [entity_text(text, e).lstrip("#") for e in entities if e.type == "hashtag"]
    found += _HASHTAG.findall(text)
    return list(dict.fromkeys(t.lower() for t in found if t))


def links(text: str, entities: list[Entity]) -> list[str]:
    """Every URL in the post: text_link targets, url entities and bare URLs."""
    found = [e.url for e in entities if e.type == "text_link" and e.url]
    found += [entity_text(text, e) for e in entities if e.type == "url"]
    found += _URL.findall(text)
    return list(dict.fromkeys(u.rstrip(".,;:!?") for u in found))


def searchable_text(text: str, entities: list[Entity]) -> str:
    """The text plus what entities hide (text_link targets), for indexing."""
    hidden = [e.url for e in entities if e.type == "text_link" and e.url]
    return "\n".join([text, *hidden]) if hidden else text


def title_of(text: str, limit: int = 120) -> str:
    """A post's title: its markdown-style heading or first non-empty line."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""


_HTML_TAGS = {
    "bold": "b", "italic": "i", "underline": "u", "strikethrough": "s",
    "spoiler": "tg-spoiler", "code": "code", "pre": "pre", "blockquote": "blockquote",
}


def to_html(text: str, entities: list[Entity]) -> str:
    """Telegram HTML for a text with entities (everything escaped, nesting kept)."""
    raw = text.encode("utf-16-le")
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for e in sorted(entities, key=lambda e: (e.offset, -e.length)):
        if e.type == "text_link" and e.url:
            start, end = f'<a href="{html.escape(e.url, quote=True)}">', "</a>"
        elif e.type in _HTML_TAGS:
            tag = _HTML_TAGS[e.type]
            start, end = f"<{tag}>", f"</{tag}>"
        else:
            continue
        opens.setdefault(e.offset, []).append(start)
        closes.setdefault(e.offset + e.length, []).insert(0, end)
    out: list[str] = []
    bounds = sorted({0, len(raw) // 2, *opens, *closes})
    for a, b in zip(bounds, bounds[1:] + [None]):
        out.extend(closes.get(a, []))
        out.extend(opens.get(a, []))
        if b is not None:
            out.append(html.escape(raw[a * 2:b * 2].decode("utf-16-le", errors="replace"), quote=False))
    return "".join(out)
