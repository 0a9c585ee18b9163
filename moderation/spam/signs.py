"""Signs of spam read from a message's text and plain facts, each a reason with a weight.

A weight is log-odds added to the score: a sign alone never decides (the strongest is
below the high threshold's margin over the base), it tips what the meaning suggests.
Ordinary members also share links, sell a GPU "в лс" and tag a recruiter, so the
common signs are weak and only the ones ham almost never shows are strong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable
from urllib.parse import urlsplit


class Sign(str, Enum):
    """Reason codes; the adapter renders them in the reader's language."""

    INVITE_LINK = "invite_link"  # t.me/+..., t.me/joinchat/...
    TELEGRAM_LINK = "telegram_link"  # t.me/<channel or bot>
    SHORT_LINK = "short_link"  # bit.ly, clck.ru, ...
    LINK = "link"  # any other web link
    BOT_MENTION = "bot_mention"  # @something_bot
    MENTION = "mention"  # @channel or @account
    CHANNEL_FORWARD = "channel_forward"
    CONTACT = "contact"  # phone number, WhatsApp
    PRIVATE_CONTACT = "private_contact"  # "пиши в лс", "DM me"
    PROFILE_BAIT = "profile_bait"  # "ссылка в профиле", "check my profile"
    EARNINGS = "earnings"  # an amount per day / week / hour
    EMOJI = "emoji"  # emoji density
    CAPITALS = "capitals"  # shouting
    QUICK_EDIT = "quick_edit"  # edited right after posting
    # Meaning (see model.py), listed here so all codes live in one enum.
    LOOKS_LIKE_SPAM = "looks_like_spam"  # the classifier on embeddings
    SIMILAR_TO_SPAM = "similar_to_spam"  # close to a known spam sample


WEIGHTS: dict[Sign, float] = {
    Sign.INVITE_LINK: 2.5,
    Sign.TELEGRAM_LINK: 1.0,
    Sign.SHORT_LINK: 1.5,
    Sign.LINK: 0.3,
    Sign.BOT_MENTION: 1.5,
    Sign.MENTION: 0.3,
    Sign.CHANNEL_FORWARD: 1.5,
    Sign.CONTACT: 1.5,
    Sign.PRIVATE_CONTACT: 0.8,
    Sign.PROFILE_BAIT: 2.0,
    Sign.EARNINGS: 1.5,
    Sign.EMOJI: 0.8,
    Sign.CAPITALS: 1.0,
    Sign.QUICK_EDIT: 1.0,
}


@dataclass(frozen=True)
class MessageFacts:
    """What the check reads of a message: its text or caption and plain facts.

    ``urls`` are link targets the text does not show (text_link entities, URL buttons);
    ``entity_types`` are the Bot API entity types present (e.g. "phone_number").
    ``posted_at`` with ``is_edit`` says when the edited message was first posted.
    """

    text: str = ""
    urls: tuple[str, ...] = ()
    entity_types: frozenset[str] = frozenset()
    forwarded_from_channel: bool = False
    is_edit: bool = False
    posted_at: float | None = None

    @classmethod
    def of(cls, text: str | None, entities: Iterable = (), **facts) -> "MessageFacts":
        """Facts from a text or caption and its entities: Bot API entity objects or dicts
        with ``type`` and, for text links, ``url``."""
        def field_of(entity, name):
            return entity.get(name) if isinstance(entity, dict) else getattr(entity, name, None)

        entities = list(entities or ())
        urls = tuple(u for u in (field_of(e, "url") for e in entities) if u)
        types = frozenset(t for t in (field_of(e, "type") for e in entities) if t)
        return cls(text or "", urls=urls + tuple(facts.pop("urls", ())), entity_types=types, **facts)


@dataclass(frozen=True)
class Reason:
    code: Sign
    weight: float  # log-odds added to the score
    detail: str = ""  # the link, mention, phrase or sample that triggered it


@dataclass(frozen=True)
class SignRules:
    """Tunable parts of the signs (weights by code, the quick-edit window)."""

    weights: dict[Sign, float] = field(default_factory=lambda: dict(WEIGHTS))
    quick_edit_seconds: float = 600.0
    quiet_domains: frozenset[str] = frozenset({
        "arxiv.org", "github.com", "huggingface.co", "paperswithcode.com", "openreview.net",
        "kaggle.com", "habr.com", "youtube.com", "youtu.be", "wikipedia.org", "hh.ru",
        "linkedin.com", "colab.research.google.com", "docs.google.com", "medium.com",
    })


_TLDS = (
    "com|net|org|io|ai|ru|su|xyz|info|biz|me|ly|co|cc|to|gg|win|bet|site|online|club|top|"
    "link|app|dev|pro|finance|shop|store|live|vip|fun|ua|kz|by|uk|de|eu|ch|pt|us|tv|gl|gd|at|"
    "cash|money|casino|games|click|space|website|tech|icu|buzz"
)
_URL = re.compile(
    r"(?i)(?:\b(?:https?://|tg://)\S+"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s]*)?)"
)
_INVITE = re.compile(r"(?i)(?:t\.me|telegram\.(?:me|dog))/(?:\+|joinchat/)|tg://join")
_TELEGRAM = re.compile(r"(?i)(?:t\.me|telegram\.(?:me|dog))/\w|tg://resolve")
_SHORTENERS = frozenset({
    "bit.ly", "clck.ru", "tinyurl.com", "goo.gl", "cutt.ly", "t.co", "is.gd", "rb.gy",
    "shorturl.at", "u.to", "vk.cc", "tiny.cc", "ow.ly", "bitly.com",
})
_MENTION = re.compile(r"(?<![\w@])@([a-zA-Z]\w{3,31})\b")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d\s().-]{8,16}\d|8[\s(-]*9\d\d[\s)-]*\d{3}[\s-]*\d\d[\s-]*\d\d)(?!\w)")
_MESSENGER = re.compile(r"(?i)\b(?:wa\.me|whats\s?app|viber|вотсап|ватсап)\b")

_PRIVATE = re.compile(
    r"(?ix)"
    r"(?:\bв\s+(?:лс|личк[уеи]|личн(?:ые|ых)|директ)\b"
    r"|\bпиши(?:те)?\s+(?:мне\b|[«\"']?\+|в\s+(?:тг|телег))"
    r"|\bнапиши(?:те)?\s+мне\b"
    r"|\bставь(?:те)?\s*[«\"']?\+"
    r"|\b(?:dm|pm|inbox|text|message)\s+me\b"
    r"|\bwrite\s+(?:to\s+)?me\b"
    r"|\bin\s+(?:pm|dm|private)\b"
    r"|\bcontact\s+me\s+privately\b"
    r"|\bsend\s+me\s+a\s+(?:private\s+)?message\b"
    r"|\breply\s+[«\"']?\+"
    r"|\bwhatsapp\s+me\b)"
)
_PROFILE = re.compile(
    r"(?ix)"
    r"(?:\b(?:ссылк\w*|подробност\w*|контакт\w*|фото|всё|все)\s+(?:\w+\s+)?(?:в|у\s+меня\s+в)\s+(?:моём\s+)?(?:профиле|описании|био)\b"
    r"|\b(?:в|мой|мою)\s+(?:мой\s+)?профил[ьеи]\b.{0,40}\b(?:интересн|фото|ссылк)"
    r"|\b(?:link|links|details)\s+in\s+(?:my\s+)?(?:bio|profile)\b"
    r"|\bcheck\s+(?:out\s+)?my\s+(?:profile|bio|private\s+pics)\b"
    r"|\bvia\s+the\s+link\s+in\s+my\s+profile\b)"
)
_AMOUNT = r"(?:[$€£]\s?\d[\d\s.,]*\d?k?|\d[\d\s.,]*\s?(?:k|к|тыс\w*|000)?\s?(?:\$|€|₽|руб\w*|р\b|usd\w*|долл\w*|eur\w*|usdt))"
_PERIOD = (
    r"(?:в\s+(?:день|сутки|неделю|час)|за\s+(?:день|вечер|неделю|час|смену|задание|отзыв)|ежедневно|каждый\s+день"
    r"|/\s?(?:day|week|hour|час|день|нед\w*)|per\s+(?:day|week|hour|review|task)|a\s+(?:day|week)|daily|weekly)"
)
_EARNINGS = re.compile(rf"(?i){_AMOUNT}[^.!?\n]{{0,25}}?{_PERIOD}|{_PERIOD}[^.!?\n]{{0,12}}?{_AMOUNT}")


def _domain(url: str) -> str:
    if "://" not in url:
        url = "http://" + url
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _is_quiet(host: str, quiet: frozenset[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in quiet)


def _link_reasons(facts: MessageFacts, rules: SignRules) -> list[tuple[Sign, str]]:
    found: list[tuple[Sign, str]] = []
    for url in [m.group(0).rstrip(".,;:!?)»\"'") for m in _URL.finditer(facts.text)] + list(facts.urls):
        host = _domain(url)
        if _INVITE.search(url):
            found.append((Sign.INVITE_LINK, url))
        elif _TELEGRAM.search(url):
            found.append((Sign.TELEGRAM_LINK, url))
        elif host in _SHORTENERS:
            found.append((Sign.SHORT_LINK, url))
        elif not _is_quiet(host, rules.quiet_domains):
            found.append((Sign.LINK, url))
    return found


def _emoji_count(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) == "So" and ord(ch) >= 0x2100)


def _shouting(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_]{5,}", text)]
    loud = sum(w.isupper() for w in words)
    return loud >= 3 and loud >= 0.5 * len(words)


def read_signs(facts: MessageFacts, now: float, rules: SignRules | None = None) -> list[Reason]:
    """Every sign found in the message, one reason per code (the first detail kept)."""
    rules = rules or SignRules()
    text = facts.text or ""
    found: list[tuple[Sign, str]] = _link_reasons(facts, rules)
    for name in _MENTION.findall(text):
        found.append((Sign.BOT_MENTION if name.lower().endswith("bot") else Sign.MENTION, "@" + name))
    if facts.forwarded_from_channel:
        found.append((Sign.CHANNEL_FORWARD, ""))
    phone = _PHONE.search(text) or _MESSENGER.search(text)
    if phone:
        found.append((Sign.CONTACT, phone.group(0)))
    elif "phone_number" in facts.entity_types:
        found.append((Sign.CONTACT, ""))
    for sign, pattern in ((Sign.PRIVATE_CONTACT, _PRIVATE), (Sign.PROFILE_BAIT, _PROFILE),
                          (Sign.EARNINGS, _EARNINGS)):
        match = pattern.search(text)
        if match:
            found.append((sign, match.group(0).strip()))
    emoji = _emoji_count(text)
    visible = sum(not ch.isspace() for ch in text)
    if emoji >= 3 and emoji >= 0.04 * visible:
        found.append((Sign.EMOJI, str(emoji)))
    if _shouting(text):
        found.append((Sign.CAPITALS, ""))
    if facts.is_edit and facts.posted_at is not None and now - facts.posted_at <= rules.quick_edit_seconds:
        found.append((Sign.QUICK_EDIT, f"{now - facts.posted_at:.0f}s"))
    reasons: dict[Sign, Reason] = {}
    for sign, detail in found:
        if sign not in reasons and rules.weights.get(sign, 0.0):
            reasons[sign] = Reason(sign, rules.weights[sign], detail)
    return list(reasons.values())
