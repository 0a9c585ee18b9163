"""The album memory: an album counted once, a spam album removed whole (parts before and after), its bounds."""
from bot.routers.moderation.albums import KEEP_SECONDS, MAX_ALBUMS, Albums


def test_parts_before_are_returned_and_parts_after_are_flagged():
    albums = Albums()
    assert albums.arrived(-1, "g", 10, 0.0) is False
    assert albums.arrived(-1, "g", 10, 0.1) is False  # an edit of a part is not a second part
    assert albums.remove(-1, "g", 0.2) == [10]
    assert albums.arrived(-1, "g", 11, 0.3) is True
    assert albums.arrived(-2, "g", 12, 0.3) is False  # the same group id in another chat


def test_an_album_counts_once_per_chat():
    albums = Albums()
    assert [albums.count_once(-1, "g", 0.0) for _ in range(3)] == [True, False, False]
    assert albums.count_once(-2, "g", 0.0) is True


def test_old_and_surplus_albums_are_forgotten():
    albums = Albums()
    albums.remove(-1, "old", 0.0)
    assert albums.arrived(-1, "old", 5, KEEP_SECONDS / 2) is True
    albums.arrived(-1, "new", 6, KEEP_SECONDS + 1)  # a new album clears the stale ones
    assert albums.arrived(-1, "old", 7, KEEP_SECONDS + 2) is False
    albums.remove(-1, "first", KEEP_SECONDS + 3)
    for i in range(MAX_ALBUMS):  # a thousand albums later, the first is forgotten
        albums.arrived(-1, f"a{i}", i, KEEP_SECONDS + 3)
    assert albums.arrived(-1, "first", 9, KEEP_SECONDS + 3) is False
