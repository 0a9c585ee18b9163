"""Writing posts: an older state of a message never overwrites a newer one."""
from __future__ import annotations

from archive.models import IncomingPost
from archive.store import Archive

CHANNEL = -100123


def post(message_id: int, text: str, edit_date: int | None = None, **extra) -> IncomingPost:
    return IncomingPost(CHANNEL, message_id, 1_720_000_000, text, edit_date=edit_date, **extra)


def test_a_redelivered_original_after_its_edit_changes_nothing():
    archive = Archive(":memory:")
    archive.write(post(1, "черновик"))
    assert archive.write(post(1, "исправлено", edit_date=1_720_000_060)).status == "updated"
    # Telegram sends the unconfirmed updates again after a crash: the post, then its edit
    assert archive.write(post(1, "черновик")).status == "unchanged"
    assert archive.write(post(1, "исправлено", edit_date=1_720_000_060)).status == "unchanged"
    stored = archive.get(CHANNEL, 1)
    assert (stored.text, stored.version) == ("исправлено", 2)
    assert [v["text"] for v in archive.versions(stored.id)] == ["черновик"]


def test_an_album_part_arriving_after_an_edit_of_another_part_still_joins():
    archive = Archive(":memory:")
    archive.write(post(1, "подпись", media_group_id="a", media="photo"))
    archive.write(post(1, "подпись, исправлено", edit_date=1_720_000_060, media_group_id="a", media="photo"))
    assert archive.write(post(2, "", media_group_id="a", media="photo")).status in ("unchanged", "updated")
    assert archive.count() == 1
    assert archive.get(CHANNEL, 2).text == "подпись, исправлено"
