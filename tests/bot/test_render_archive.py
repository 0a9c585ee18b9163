"""Digests and statistics in words (moved from tests/archive: the archive returns values, the bot words them)."""
from __future__ import annotations

from archive.charts import channel_stats
from archive.digest import Digest, DigestItem, build_digest, week_bounds
from archive.store import Archive
from bot.i18n import Translator
from bot.render_archive import render_digest, stats_summary
from tests.sample import sample_archive


def test_render_is_escaped_html_with_links():
    digest = build_digest(sample_archive(), *week_bounds("2024-W33"))
    ru = render_digest(digest, "ru")
    assert ru.startswith("<b>Дайджест за 12–18 августа</b>")
    assert "<b>📄 Статьи</b>" in ru
    assert ('<a href="https://t.me/boris_again/1726">Does Liking Yellow Imply Driving a School Bus? '
            "Semantic Leakage in Language Models</a> — Gonen et al.") in ru
    en = render_digest(digest, "en")
    assert en.startswith("<b>Digest for Aug 12–18</b>") and "<b>📄 Papers</b>" in en
    assert len(ru) < 1500


def test_render_escapes_and_truncates():
    items = [DigestItem(f"<b>A & B</b> {i}", "https://t.me/x/1?a=1&b=2", None, i) for i in range(8)]
    text = render_digest(Digest(0, 604800, other=items, tz="UTC"), "en")
    assert "&lt;b&gt;A &amp; B&lt;/b&gt; 0" in text
    assert 'href="https://t.me/x/1?a=1&amp;b=2"' in text
    assert text.count("• ") == 5 and text.endswith("…and 3 more")


def test_period_across_months_names_both():
    week = Digest(1_722_470_400 - 3 * 86400, 1_722_470_400 + 4 * 86400, tz="UTC")  # Jul 29 .. Aug 4, 2024
    assert render_digest(week, "ru") == "<b>Дайджест за 29 июля–4 августа</b>"
    assert render_digest(week, "en") == "<b>Digest for Jul 29–Aug 4</b>"


def test_survey_deadline_in_the_readers_language():
    survey = DigestItem("Опрос", None, None, 0, deadline=1_722_470_400 + 86400 * 4)  # 5 Aug
    digest = Digest(1_722_470_400, 1_722_470_400 + 7 * 86400, events=[survey], tz="UTC")
    assert "• Опрос — до 05.08" in render_digest(digest, "ru")
    assert "• Опрос — until 05.08" in render_digest(digest, "en")


def test_summary_lines():
    stats = channel_stats(sample_archive())
    ru = stats_summary(stats, Translator("ru"))
    assert "Постов: 26" in ru and "Самая активная неделя: 29.07–04.08.2024 (10)" in ru and "#paperwatch (1)" in ru
    assert "С 22.07.2024 по 14.08.2024" in ru and "В среднем 6,5 в неделю" in ru
    en = stats_summary(stats, Translator("en"))
    assert "Posts: 26" in en and "6.5 a week on average" in en
    empty = stats_summary(channel_stats(Archive(":memory:")), Translator("en"))
    assert empty == "The archive is empty, so there are no statistics yet."
