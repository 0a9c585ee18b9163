from archive.charts import ChartLabels, channel_stats, posts_per_week, stats_chart_png, stats_figure, top_hashtags
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


def test_chart_draws_the_labels_it_is_given():
    russian = ChartLabels("Постов в неделю", "Популярные хэштеги", "нет постов")
    assert stats_chart_png(sample_archive(), labels=russian) != stats_chart_png(sample_archive())


def test_summary_numbers():
    stats = channel_stats(sample_archive(), "UTC")
    assert stats.total == 26 and stats.busiest_week == ("2024-W31", 10) and ("paperwatch", 1) in stats.top_tags
    assert stats.per_week == 26 / 4 and stats.top_tags == [("paperwatch", 1)]
    assert (f"{stats.first:%Y-%m-%d}", f"{stats.last:%Y-%m-%d}") == ("2024-07-22", "2024-08-14")
    assert channel_stats(Archive(":memory:")) is None


def test_chart_counts_in_whole_numbers_and_weeks_by_their_monday():
    posts, tags = stats_figure(sample_archive()).axes
    assert [label.get_text() for label in posts.get_xticklabels()] == ["22.07", "29.07", "05.08", "12.08"]
    assert all(float(tick).is_integer() for tick in posts.get_yticks())
    assert all(float(tick).is_integer() for tick in tags.get_xticks())  # one post per tag: no 0.2 steps
