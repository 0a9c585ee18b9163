from moderation.flood import FloodCounter, FloodRule

CHAT, USER = -1001, 42


def test_sixth_message_in_ten_seconds_mutes_for_ten_minutes():
    fc = FloodCounter()
    verdicts = [fc.hit(CHAT, USER, 100.0 + i) for i in range(6)]
    assert [x.flooding for x in verdicts] == [False] * 5 + [True]
    assert verdicts[-1].mute_seconds == 600


def test_one_mute_per_burst():
    fc = FloodCounter()
    flags = [fc.hit(CHAT, USER, 100.0 + i * 0.1).flooding for i in range(10)]
    assert flags.count(True) == 1


def test_album_counts_once():
    fc = FloodCounter()
    for i in range(10):  # a 10-photo album
        assert not fc.hit(CHAT, USER, 100.0 + i * 0.05, media_group_id="album-1").flooding
    assert fc.hit(CHAT, USER, 101.0).count == 2


def test_admins_are_exempt():
    fc = FloodCounter()
    assert not any(fc.hit(CHAT, USER, 100.0 + i * 0.1, exempt=True).flooding for i in range(50))
    assert len(fc) == 0


def test_window_slides():
    fc = FloodCounter()
    # 5 messages, one every 2.5 s: never more than 5 within any 10 s
    assert not any(fc.hit(CHAT, USER, 100.0 + i * 2.5).flooding for i in range(20))
    fc2 = FloodCounter()
    for i in range(5):
        fc2.hit(CHAT, USER, 100.0 + i)
    assert fc2.hit(CHAT, USER, 110.5).count == 5  # the first one slid out
    assert fc2.hit(CHAT, USER, 110.6).flooding


def test_users_and_chats_are_counted_separately():
    fc = FloodCounter()
    for i in range(5):
        fc.hit(CHAT, USER, 100.0 + i)
        fc.hit(CHAT, USER + 1, 100.0 + i)
        fc.hit(CHAT - 1, USER, 100.0 + i)
    assert fc.hit(CHAT, USER, 105.0).flooding
    assert not fc.hit(CHAT, USER + 2, 105.0).flooding


def test_custom_rule():
    fc = FloodCounter(FloodRule(max_messages=2, window=5, mute_seconds=60))
    assert [fc.hit(CHAT, USER, t).flooding for t in (0.0, 1.0, 2.0)] == [False, False, True]


def test_memory_stays_small():
    fc = FloodCounter(max_keys=100)
    for uid in range(1000):
        fc.hit(CHAT, uid, 100.0)
    assert len(fc) == 100
    fc.hit(CHAT, 1, 200.0)  # everyone else idle for a whole window: evicted
    assert len(fc) == 1
