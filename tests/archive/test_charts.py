from archive.charts import posts_per_week, stats_chart_png, stats_summary, top_hashtags
from archive.models import IncomingPost
from archive.store import Archive
from tests.sample import sample_archive


def test_posts_per_week_on_the_sample():
    weeks = posts_per_week(sample_archive())
    assert weeks == [("2024-W30", 8), ("2024-W31", 10), ("2024-W32", 6), ("2024-W33", 2)]


def test_empty_weeks_are_filled_and_hashtags_counted():
    a = Archive(":memory:")
    a.write(IncomingPost(1, 1, 1_720_000_000, "#ml #papers one"))
    a.write(IncomingPost(1, 2, 1_720_000_000 + 21 * 86400, "#ml two"))
    assert [c for _, c in posts_per_week(a)] == [1, 0, 0, 1]
    assert top_hashtags(a, 5) == [("ml", 2), ("papers", 1)]
    assert top_hashtags(a, 1) == [("ml", 2)]


def test_chart_is_a_png():
    png = stats_chart_png(sample_archive())
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert stats_chart_png(Archive(":memory:")).startswith(b"\x89PNG")


def test_summary_lines():
    ru = stats_summary(sample_archive(), "ru")
    assert "Постов: 26" in ru and "2024-W31 (10)" in ru and "#paperwatch (1)" in ru
    assert "Posts: 26" in stats_summary(sample_archive(), "en")
    assert stats_summary(Archive(":memory:"), "en") == "The archive is empty."
