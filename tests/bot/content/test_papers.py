"""/papers (paged, edits one message) and /paper <query> (the card of the best review)."""
from __future__ import annotations

import pytest
from aiogram.types import MessageEntity

from archive.text import utf16_len
from sandbox.keeper import CHANNEL_ID
from tests.bot.helpers import eventually

ANNA = 1001
JOHN = 1003


@pytest.mark.sample
@pytest.mark.settings(papers_page_size=2)
async def test_papers_lists_latest_reviews_and_pages_in_place(keeper):
    emu = keeper.emu
    mark = emu.mark()
    emu.send_message(ANNA, ANNA, "/papers")
    first = await emu.wait_for_sent(chat_id=ANNA, since=mark)
    assert "Разборы статей" in first.text
    assert "Semantic Leakage" in first.text and "PV-Tuning" in first.text
    assert first.text.index("Semantic Leakage") < first.text.index("PV-Tuning")  # newest first
    buttons = [b for row in first.reply_markup.inline_keyboard for b in row]
    assert [b.text for b in buttons] == ["Старее »"]

    emu.press_button(ANNA, first.message_id, ANNA, buttons[0].callback_data)
    await emu.wait_for_call("editMessageText", since=mark)
    edited = emu.message(ANNA, first.message_id)
    assert "VILA" in edited.text and "Semantic Leakage" not in edited.text
    assert [b.text for row in edited.reply_markup.inline_keyboard for b in row] == ["« Новее", "Старее »"]
    assert len(emu.sent(ANNA)) == 1  # the same message was edited


@pytest.mark.sample
async def test_paper_query_answers_with_the_card(keeper):
    emu = keeper.emu
    mark = emu.mark()
    emu.send_message(ANNA, ANNA, "/paper semantic leakage")
    card = await emu.wait_for_sent(chat_id=ANNA, since=mark)
    assert card.text.startswith("📄 Does Liking Yellow Imply Driving a School Bus? Semantic Leakage in Language Models")
    assert "Gonen et al." in card.text
    assert "TL;DR:" in card.text
    urls = [e.url for e in card.entities or [] if e.type == "text_link"]
    assert urls[0] == "https://t.me/boris_again/1726"  # the export lost the paper link itself
    assert card.text.index("TL;DR:") < card.text.index("Пост")


@pytest.mark.sample
async def test_a_new_channel_review_is_found_with_its_paper_link(keeper):
    emu = keeper.emu
    text = ("# Mixture of Depths: Dynamically Allocating Compute in Transformers\nRaposo et al.\n📃 Paper\n"
            "Авторы предлагают пропускать слои для простых токенов: роутер решает, какие токены "
            "пройдут через блок. " + "Подробности разбора статьи. " * 30 + "#paperwatch")
    start = text.index("📃 Paper")
    ent = MessageEntity(type="text_link", offset=utf16_len(text[:start]), length=utf16_len("📃 Paper"),
                        url="https://arxiv.org/abs/2404.02258")
    post = emu.post_to_channel(CHANNEL_ID, text, entities=[ent])
    await eventually(lambda: keeper.services.archive.get(CHANNEL_ID, post.message_id))
    mark = emu.mark()
    emu.send_message(ANNA, ANNA, "/paper mixture of depths")
    card = await emu.wait_for_sent(chat_id=ANNA, since=mark)
    assert card.text.startswith("📄 Mixture of Depths")
    assert "Raposo et al." in card.text
    links = {e.url: e.extract_from(card.text) for e in card.entities if e.type == "text_link"}
    assert links[f"https://t.me/boris_again/{post.message_id}"] == "Пост"
    assert links["https://arxiv.org/abs/2404.02258"] == "Статья"


async def test_paper_in_english_and_nothing_found(keeper):
    emu = keeper.emu
    mark = emu.mark()
    emu.send_message(JOHN, JOHN, "/paper")
    usage = await emu.wait_for_sent(chat_id=JOHN, since=mark)
    assert usage.text.startswith("Which paper")
    mark = emu.mark()
    emu.send_message(JOHN, JOHN, "/paper <zzqx>")
    nothing = await emu.wait_for_sent(chat_id=JOHN, since=mark)
    assert "No paper review matches <zzqx>" in nothing.text


@pytest.mark.parametrize("query, tldr", [
    ("PV-Tuning", "TL;DR: Здесь целый пакет: статья на ICML, статья на хабре, код библиотеки, сжатые модели "
                  "(Llama, mistral, gemma) и туториал по дообучению сжатого Mixtral через LoRA.\n"),
    ("VILA", "TL;DR: Очередная SotA, в этот раз от NVIDIA 🖥. Авторы показывают важность разморозки LLM на претрейне.\n"),
])
@pytest.mark.sample
async def test_a_card_tldr_ends_on_a_full_sentence_and_opens_each_sentence_its_own_way(keeper, query, tldr):
    emu = keeper.emu
    mark = emu.mark()
    emu.send_message(ANNA, ANNA, f"/paper {query}")
    card = await emu.wait_for_sent(chat_id=ANNA, since=mark)
    assert tldr in card.text
