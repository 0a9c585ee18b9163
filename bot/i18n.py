"""User-facing text: JSON locale files per feature, Russian by default, English for English users."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANG = "ru"
LANGS = ("ru", "en")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """All keys of a language: every bot/locales/<lang>/*.json merged."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def lang_of(user: User | None) -> str:
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else DEFAULT_LANG


def translate(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The text for `key`; Russian when the language lacks it; the key itself if unknown."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    return text.format(**params) if params else text


class Translator:
    """`t("key", n=3)` bound to one language; what handlers receive as `t`."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)


class I18nMiddleware(BaseMiddleware):
    """Puts `lang` and `t` into handler data, from the acting user's Telegram language."""

    async def __call__(self, handler: Callable[[TelegramObject, dict], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        lang = lang_of(data.get("event_from_user"))
        data["lang"] = lang
        data["t"] = Translator(lang)
        return await handler(event, data)
