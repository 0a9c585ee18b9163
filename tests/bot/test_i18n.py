"""The one translation mechanism: the .po sources, what the bot loads from them, and real plural forms."""
from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import LANGS, Translator, i18n, po_path, translate, translate_plural
from bot.render_durations import duration_error_text, humanize
from bot.routers.moderation.votekick import punishment_text
from moderation import Punishment
from moderation.durations import DAY, MINUTE, WEEK, DurationError, parse_duration

BOT = Path(__file__).parents[2] / "bot"


def catalog(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh)


def messages(lang: str) -> dict[str, tuple[str, ...]]:
    """key -> its texts (one, or one per plural form)."""
    out = {}
    for message in catalog(lang):
        if message.id:
            key = message.id[0] if message.pluralizable else message.id
            out[key] = tuple(message.string) if message.pluralizable else (message.string,)
    return out


def fields(texts) -> set[str]:
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


# -- the catalogs -----------------------------------------------------------------------------

def test_every_language_has_every_key_with_the_same_fields():
    ru, en = messages("ru"), messages("en")
    assert sorted(ru) == sorted(en)
    for key in ru:
        assert (len(ru[key]) > 1) == (len(en[key]) > 1), f"{key}: plural in one language only"
        assert fields(ru[key]) == fields(en[key]), key


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_is_translated_and_none_is_fuzzy(lang):
    for message in catalog(lang):
        if message.id:
            texts = message.string if message.pluralizable else (message.string,)
            assert all(texts) and not message.fuzzy, message.id


@pytest.mark.parametrize("lang", LANGS)
def test_plural_forms_header_is_the_languages_rule(lang):
    assert catalog(lang).plural_forms == Catalog(locale=lang).plural_forms  # Babel's rule for the language


def test_russian_has_three_forms():
    rule = gettext.c2py(catalog("ru").plural_expr)
    assert [rule(n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 112, 0)] == [0, 1, 2, 2, 0, 1, 2, 2, 2, 2]


@pytest.mark.parametrize("lang", LANGS)
def test_what_the_bot_loads_is_what_the_po_says(lang):
    """A .po edit is what users see: the bot compiles the sources, nothing else."""
    assert sorted(i18n().available_locales) == sorted(LANGS)
    po = catalog(lang)
    rule = gettext.c2py(po.plural_expr)
    samples = {rule(n): n for n in range(100, -1, -1)}  # a count for each form
    for message in po:
        if not message.id:
            continue
        if message.pluralizable:
            key = message.id[0]
            for form, text in enumerate(message.string):
                assert i18n().gettext(key, key, samples[form], locale=lang) == text, (key, form)
        else:
            assert i18n().gettext(message.id, locale=lang) == message.string, message.id


USE = re.compile(r"""\b(?:t|lt|translate|Translator\([^()]*\))(\.plural)?\(\s*(f?)["']([A-Za-z_{}.\[\]'"]+?)["']""")


def uses() -> list[tuple[str, bool, bool]]:
    """(key or f-string prefix, used as a plural, is a prefix) for each t(...) / translate(...) in bot/."""
    found = []
    for path in BOT.rglob("*.py"):
        if path.name == "i18n.py":  # the mechanism itself, its docstrings name "key"
            continue
        for plural, f, key in USE.findall(path.read_text(encoding="utf-8")):
            found.append((key.split("{")[0] if f else key, bool(plural), bool(f)))
    return found


def test_every_key_the_code_asks_for_exists():
    known = messages("ru")
    found = uses()
    assert len(found) > 150  # the scan sees the code
    for key, plural, prefix in found:
        if prefix:
            assert any(k.startswith(key) for k in known), f"no key starts with {key!r}"
            continue
        assert key in known, f"{key!r} is used but not in the catalog"
        if not plural:
            assert len(known[key]) == 1, f"{key!r} has plural forms: call t.plural"


def test_a_missing_key_shows_itself_and_english_falls_back_to_russian():
    assert translate("no_such_key", "en") == "no_such_key"
    assert translate("help", "de") == translate("help", "ru")
    assert translate_plural("no_such_key", 3, "ru") == "no_such_key"
    assert translate_plural("stats_title", 3, "en") == "Channel statistics"  # no plural forms: its one text


# -- plurals as users read them ---------------------------------------------------------------

@pytest.mark.parametrize("days, text", [(1, "1 день"), (2, "2 дня"), (5, "5 дней"), (11, "11 дней"),
                                        (21, "21 день"), (22, "22 дня"), (112, "112 дней")])
def test_russian_days(days, text):
    assert Translator("ru").plural("n_days", days) == text
    assert humanize(days * DAY + MINUTE, "ru") == f"{text} 1 минута"  # not whole weeks, so in days


@pytest.mark.parametrize("votes, text", [(1, "1 голос "), (3, "3 голоса "), (5, "5 голосов "), (21, "21 голос "),
                                         (14, "14 голосов ")])
def test_russian_votes_in_the_vote_message(votes, text):
    line = Translator("ru").plural("mod_vote_rules", votes, until="19:00")
    assert text in line
    assert ("Нужен " if votes % 10 == 1 and votes != 11 else "Нужно ") in line


def test_english_counts():
    t = Translator("en")
    assert t.plural("mod_vote_rules", 1, until="19:00").startswith("Needs 1 vote either way")
    assert t.plural("mod_vote_rules", 3, until="19:00").startswith("Needs 3 votes either way")
    assert t.plural("digest_nothing", 30) == "Nothing new in the channel in the last 30 days."
    assert t.plural("digest_nothing", 1) == "Nothing new in the channel in the last day."


def test_russian_counts_of_messages_and_days():
    t = Translator("ru")
    assert t.plural("digest_nothing", 1) == "За последний 1 день в канале ничего нового."
    assert t.plural("digest_nothing", 3) == "За последние 3 дня в канале ничего нового."
    assert t.plural("digest_nothing", 30) == "За последние 30 дней в канале ничего нового."
    assert "не меньше 1 вашего сообщения" in t.plural("mod_vote_refused_too_few_messages", 1)
    assert "не меньше 3 ваших сообщений" in t.plural("mod_vote_not_eligible_too_few_messages", 3)
    assert t.plural("mod_flood_reason", 1, window="1 минуту") == "больше 1 сообщения за 1 минуту"
    assert t.plural("mod_flood_reason", 5, window="10 секунд") == "больше 5 сообщений за 10 секунд"


# -- durations in words (moved from tests/moderation/test_durations.py) -----------------------

@pytest.mark.parametrize(
    "seconds, ru",
    [(60, "1 минута"), (120, "2 минуты"), (300, "5 минут"), (660, "11 минут"), (1260, "21 минута"),
     (1320, "22 минуты"), (3600, "1 час"), (7200, "2 часа"), (5 * 3600, "5 часов"),
     (5400, "1 час 30 минут"), (DAY, "1 день"), (3 * DAY, "3 дня"), (5 * DAY, "5 дней"),
     (7 * DAY, "1 неделя"), (14 * DAY, "2 недели"), (35 * DAY, "5 недель"), (10 * DAY, "10 дней"),
     (90, "1 минута 30 секунд"), (None, "навсегда"), (0, "0 секунд")],
)
def test_humanize_russian_plurals(seconds, ru):
    assert humanize(seconds) == ru


def test_humanize_english():
    assert humanize(60, "en") == "1 minute"
    assert humanize(5400, "en") == "1 hour 30 minutes"
    assert humanize(None, "en") == "forever"
    assert humanize(parse_duration("2 дня").seconds, "en") == "2 days"


def test_a_term_after_a_preposition_is_accusative():
    ru = Translator("ru")
    assert punishment_text(Punishment("ban", WEEK), ru) == "бан на 1 неделю"
    assert punishment_text(Punishment("mute", MINUTE), ru) == "мут на 1 минуту"
    assert punishment_text(Punishment("mute", 21 * MINUTE + 1), ru) == "мут на 21 минуту 1 секунду"
    assert punishment_text(Punishment("ban", 2 * WEEK), ru) == "бан на 2 недели"
    assert punishment_text(Punishment("ban", None), ru) == "бан навсегда"
    assert punishment_text(Punishment("ban", WEEK), Translator("en")) == "banned for 1 week"


@pytest.mark.parametrize("text", ["", "10", "abc", "1h1h", "0m"])
def test_every_refused_duration_is_explained_in_both_languages(text):
    with pytest.raises(DurationError) as err:
        parse_duration(text)
    for lang in LANGS:
        message = duration_error_text(err.value, Translator(lang))
        assert message and not message.startswith("mod_duration_")


def test_bare_number_message_suggests_units():
    with pytest.raises(DurationError) as err:
        parse_duration("10")
    text = duration_error_text(err.value, Translator("ru"))
    assert "10m" in text and "мин" in text and "«10»" in text


def test_the_refused_text_is_quoted_safely():
    with pytest.raises(DurationError) as err:
        parse_duration("5<b>m")
    assert "«5&lt;b&gt;m»" in duration_error_text(err.value, Translator("ru"))


def test_telegram_boundaries_in_words():
    ru = Translator("ru")
    short = parse_duration("29s").telegram_until(1_000_000.0)
    assert ru(f"mod_duration_{short.warning}") == "меньше 30 секунд — Telegram сочтёт это навсегда"
    long = parse_duration("400d").telegram_until(1_000_000.0)
    assert "366" in ru(f"mod_duration_{long.warning}")
