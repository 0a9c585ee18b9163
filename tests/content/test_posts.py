"""The post state machine: which moves are allowed, which are refused, and the buttons' wire format."""
from __future__ import annotations

import pytest

from content.posts import MOVES, IllegalMove, PostAction, PostContent, PostKind, PostStatus, check_move, may_move

S = PostStatus
ALLOWED = {
    (S.DRAFT, S.PUBLISHING), (S.DRAFT, S.SCHEDULED), (S.DRAFT, S.CANCELLED),
    (S.SCHEDULED, S.PUBLISHING), (S.SCHEDULED, S.CANCELLED), (S.SCHEDULED, S.FAILED), (S.SCHEDULED, S.MISSED),
    (S.PUBLISHING, S.PUBLISHED), (S.PUBLISHING, S.FAILED),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_exactly_the_listed_moves_are_allowed(source, target):
    assert may_move(source, target) == ((source, target) in ALLOWED)
    if (source, target) in ALLOWED:
        check_move(source, target)
    else:
        with pytest.raises(IllegalMove):
            check_move(source, target)


def test_finished_posts_never_move_again():
    for final in (S.PUBLISHED, S.FAILED, S.CANCELLED, S.MISSED):
        assert MOVES[final] == frozenset()


def test_a_post_is_published_only_through_a_claim():
    assert not may_move(S.DRAFT, S.PUBLISHED) and not may_move(S.SCHEDULED, S.PUBLISHED)
    assert not may_move(S.PUBLISHED, S.PUBLISHING)  # a double tap cannot publish twice


def test_button_actions_keep_their_wire_values():
    # callback data of buttons already sent ("cpost:pub:12") must keep working after an upgrade
    assert [a.value for a in PostAction] == ["pub", "sch", "no", "unsch"]
    assert PostAction("unsch") is PostAction.UNSCHEDULE


def test_only_unscheduling_is_open_to_other_admins():
    assert [a for a in PostAction if not a.author_only] == [PostAction.UNSCHEDULE]


def test_preview_is_one_short_line_with_the_media_kind():
    text = PostContent(PostKind.TEXT, "Новый   разбор\nвыйдет завтра")
    assert text.preview(60) == "Новый разбор выйдет завтра"
    assert text.preview(5) == "Новый…"
    assert PostContent(PostKind.PHOTO, "Схема", file_id="f1").preview(60) == "[photo] Схема"
