"""Callback buttons and inline queries."""
import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                           InputTextMessageContent)


async def test_press_button_and_answer(bot, emulator, cast):
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="За", callback_data="vote:1")]])
    msg = await bot.send_message(cast.group.id, "Kick Bob?", reply_markup=kb)
    cq = emulator.press_button(cast.group.id, msg.message_id, cast.anna.id, "vote:1")
    [u] = await bot.get_updates()
    assert u.callback_query.data == "vote:1" and u.callback_query.message.message_id == msg.message_id
    assert u.callback_query.from_user.id == cast.anna.id
    await bot.answer_callback_query(cq.id, text="Голос учтён", show_alert=True)
    answer = emulator.callback_answers[cq.id]
    assert answer.text == "Голос учтён" and answer.show_alert
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(cq.id)
    with pytest.raises(ValueError, match="no button"):
        emulator.press_button(cast.group.id, msg.message_id, cast.anna.id, "vote:2")


def article(i: int) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(id=str(i), title=f"Post {i}",
                                    input_message_content=InputTextMessageContent(message_text=f"post {i}"))


async def test_inline_query_answer_recorded(bot, emulator, cast):
    q = emulator.inline_query(cast.anna.id, "attention")
    [u] = await bot.get_updates()
    assert u.inline_query.query == "attention"
    await bot.answer_inline_query(q.id, [article(1), article(2)], next_offset="2", cache_time=5)
    answer = emulator.inline_answers[q.id]
    assert [r.title for r in answer.results] == ["Post 1", "Post 2"] and answer.next_offset == "2"


async def test_inline_answer_validation(bot, emulator, cast):
    q = emulator.inline_query(cast.anna.id, "x")
    with pytest.raises(TelegramBadRequest, match="RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(q.id, [article(i) for i in range(51)])
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(q.id, [article(1), article(1)])
    with pytest.raises(TelegramBadRequest, match="NEXT_OFFSET_INVALID"):
        await bot.answer_inline_query(q.id, [article(1)], next_offset="9" * 65)
