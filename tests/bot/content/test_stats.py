"""/stats: a PNG chart and a few lines of text."""
from __future__ import annotations

import pytest

from archive.charts import ChartLabels, stats_chart_png as chart
from bot.routers.content import stats

ANNA = 1001


@pytest.mark.sample
async def test_stats_sends_a_chart_with_a_summary(keeper, monkeypatch):
    drawn = []
    monkeypatch.setattr(stats, "stats_chart_png", lambda archive, **kw: drawn.append(kw["labels"]) or chart(archive, **kw))
    emu = keeper.emu
    mark = emu.mark()
    emu.send_message(ANNA, ANNA, "/stats")
    msg = await emu.wait_for_sent(chat_id=ANNA, since=mark, timeout=30)
    assert msg.photo
    assert msg.caption.startswith("Статистика канала\nПостов: 26")
    assert "#paperwatch" in msg.caption
    assert "С 22.07.2024 по 14.08.2024" in msg.caption and "W31" not in msg.caption
    assert drawn == [ChartLabels("Постов в неделю", "Популярные хэштеги", "нет постов")]  # the reader's language
    data = emu.files[msg.photo[-1].file_id].data
    assert data.startswith(b"\x89PNG")


async def test_stats_of_an_empty_archive(keeper):
    mark = keeper.emu.mark()
    keeper.emu.send_message(ANNA, ANNA, "/stats")
    msg = await keeper.emu.wait_for_sent(chat_id=ANNA, since=mark)
    assert msg.text == "Архив пуст — статистики пока нет."
