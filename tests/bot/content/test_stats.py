"""/stats: a PNG chart and a few lines of text."""
from __future__ import annotations

ANNA = 1001


async def test_stats_sends_a_chart_with_a_summary(sample_world):
    emu = sample_world.emu
    mark = emu.mark()
    emu.send_message(ANNA, ANNA, "/stats")
    msg = await emu.wait_for_sent(chat_id=ANNA, since=mark, timeout=30)
    assert msg.photo
    assert msg.caption.startswith("Статистика канала\nПостов: 26")
    assert "#paperwatch" in msg.caption
    data = emu.files[msg.photo[-1].file_id].data
    assert data.startswith(b"\x89PNG")


async def test_stats_of_an_empty_archive(world):
    mark = world.emu.mark()
    world.emu.send_message(ANNA, ANNA, "/stats")
    msg = await world.emu.wait_for_sent(chat_id=ANNA, since=mark)
    assert msg.text == "Архив пуст — статистики пока нет."
