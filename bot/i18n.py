"""User-facing text: gettext catalogs through aiogram's I18n, Russian by default, English for English users.

The sources are bot/locales/<lang>/LC_MESSAGES/keeper.po; they are compiled in memory (Babel) when
first needed, so no compiled file can go stale and a fresh clone needs no build step. Message ids
are symbolic keys ("search_header"); texts take str.format fields. Handlers receive `t`
(`t("key", **params)`, `t.plural("key", n, **params)`) and `lang`; other code calls `translate`.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware as AiogramI18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "keeper"
DEFAULT_LANG = "ru"
LANGS = ("ru", "en")


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(path: Path) -> gettext.GNUTranslations:
    """A .po file as gettext translations, compiled in memory (fuzzy entries are left out)."""
    with path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class KeeperI18n(I18n):
    """aiogram's I18n reading the .po sources; a language falls back to Russian for a missing key."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        sources = sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po"))
        found = {path.parents[1].name: compile_po(path) for path in sources}
        for lang, translations in found.items():
            if lang != self.default_locale:
                translations.add_fallback(found[self.default_locale])
        return found


@lru_cache(maxsize=None)
def i18n() -> KeeperI18n:
    return KeeperI18n(path=LOCALES, default_locale=DEFAULT_LANG, domain=DOMAIN)


def lang_of(user: User | None) -> str:
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else DEFAULT_LANG


def _locale(lang: str) -> str:
    return lang if lang in i18n().locales else DEFAULT_LANG


def translate(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The text for `key`; Russian when the language lacks it; the key itself if unknown."""
    text = i18n().gettext(key, locale=_locale(lang))
    return text.format(**params) if params else text


def translate_plural(key: str, n: int, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The form of `key` for the count `n` (Russian: 1 день, 2 дня, 5 дней), formatted with `n`.
    A key without plural forms gives its one text."""
    locale = _locale(lang)
    text = i18n().gettext(key, key, n, locale=locale)
    if text == key:
        text = i18n().gettext(key, locale=locale)
    return text.format(n=n, **params)


class Translator:
    """`t("key", x=1)` and `t.plural("key", n)` bound to one language; what handlers receive as `t`."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def plural(self, key: str, n: int, **params: Any) -> str:
        return translate_plural(key, n, self.lang, **params)


class I18nMiddleware(AiogramI18nMiddleware):
    """aiogram's I18n middleware (the locale context for `aiogram.utils.i18n.gettext`) that also puts
    `lang` and `t` into handler data, from the acting user's Telegram language."""

    def __init__(self, core: I18n | None = None):
        super().__init__(core or i18n())

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return lang_of(data.get("event_from_user"))

    async def __call__(self, handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        lang = await self.get_locale(event, data)
        data["lang"] = lang
        data["t"] = Translator(lang)
        return await super().__call__(handler, event, data)
