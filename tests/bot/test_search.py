"""/search, inline search and live ingest, end to end through the emulator."""
from __future__ import annotations

import pytest

from emulator import Mark
from sandbox.keeper import CHANNEL_ID, CHAT_ID

pytestmark = pytest.mark.sample

ANNA, IVAN, JOHN = 1001, 1002, 1003


async def ask(keeper, text: str, user: int = ANNA, chat: int = CHAT_ID):
    mark = keeper.emu.mark()
    keeper.emu.send_message(chat, user, text)
    return await keeper.emu.wait_for_sent(chat_id=chat, since=mark, timeout=10)


def html_of(keeper, message) -> str:
    return keeper.emu.html_text(message.chat.id, message.message_id)


async def test_search_finds_the_leakage_review_first(keeper):
    reply = await ask(keeper, "/search semantic leakage")
    html = html_of(keeper, reply)
    first = html.split("\n\n")[1]
    assert "Semantic Leakage in Language Models" in first
    assert 'href="https://t.me/boris_again/1726"' in first
    assert "<b>Leakage</b>" in html or "<b>leakage</b>" in html


async def test_russian_inflection_is_found_and_reply_is_russian(keeper):
    reply = await ask(keeper, "/search утечку смысла")
    assert "один результат" in reply.text
    assert "t.me/boris_again/1726" in html_of(keeper, reply)


async def test_english_user_gets_english_replies(keeper):
    reply = await ask(keeper, "/search", user=JOHN)
    assert reply.text.startswith("What should I find?")
    reply = await ask(keeper, "/search qwertyuiop", user=JOHN)  # nonsense: no nearest neighbours
    assert reply.text.startswith("Nothing found for qwertyuiop.\nTry other words") and "/papers" in reply.text
    reply = await ask(keeper, "/search leakage #nosuchtag", user=JOHN)
    assert reply.text.startswith("Nothing found for leakage #nosuchtag")


async def test_empty_and_hostile_queries_get_clear_answers(keeper):
    usage = await ask(keeper, "/search")
    assert "Что найти?" in usage.text
    for hostile in ['"unbalanced', "NEAR(a b) OR NOT *", "^^^ ((( ", "<script>alert(1)</script>"]:
        reply = await ask(keeper, f"/search {hostile}", chat=ANNA)
        assert reply.text  # an answer, not a crash
    reply = await ask(keeper, "/search <b>leak</b>", chat=ANNA)
    assert "&lt;b&gt;" in html_of(keeper, reply) or "ничего не нашлось" in reply.text.lower()


async def test_bad_date_filter_is_explained(keeper):
    reply = await ask(keeper, "/search leakage since:вчера-позавчера")
    assert "Не понял дату" in reply.text


async def test_hashtag_and_date_filters(keeper):
    reply = await ask(keeper, "/search #paperwatch")
    assert "t.me/boris_again/1703" in html_of(keeper, reply)
    reply = await ask(keeper, "/search leakage until:2024-08-01")
    assert "1726" not in html_of(keeper, reply)


async def test_paging_edits_the_same_message(keeper):
    reply = await ask(keeper, "/search модель")
    buttons = reply.reply_markup.inline_keyboard[0]
    assert [b.text for b in buttons] == ["Дальше »"]
    first_page = reply.text
    mark = keeper.emu.mark()
    keeper.emu.press_button(CHAT_ID, reply.message_id, ANNA, buttons[0].callback_data)
    await keeper.emu.wait_for_call("editMessageText", since=mark)
    edited = keeper.emu.message(CHAT_ID, reply.message_id)
    assert edited.text != first_page and "6–" in edited.text
    assert [b.text for b in edited.reply_markup.inline_keyboard[0]][0] == "« Назад"
    assert len(keeper.emu.sent(CHAT_ID)) == 1  # no new message, the same one edited


async def test_paging_is_for_the_person_who_searched_in_that_chat(keeper):
    reply = await ask(keeper, "/search модель")
    next_page = reply.reply_markup.inline_keyboard[0][0].callback_data
    mark = keeper.emu.mark()
    query = keeper.emu.press_button(CHAT_ID, reply.message_id, IVAN, next_page)
    await keeper.emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == query.id, since=mark)
    assert keeper.emu.callback_answers[query.id].text == "Листать результаты может только тот, кто искал."
    assert keeper.emu.message(CHAT_ID, reply.message_id).text == reply.text
    # a private search, its id forged onto a button of John's own private search
    private = await ask(keeper, "/search модель", chat=ANNA)
    qid = private.reply_markup.inline_keyboard[0][0].callback_data.split(":")[1]
    own = await ask(keeper, "/search leakage", user=JOHN, chat=JOHN)
    mark = keeper.emu.mark()
    query = keeper.emu.press_button(JOHN, own.message_id, JOHN, f"sp:{qid}:0", check=False)
    await keeper.emu.wait_for_call("answerCallbackQuery", lambda p: p["callback_query_id"] == query.id, since=mark)
    assert keeper.emu.callback_answers[query.id].text == "Only the person who searched can page through this."
    assert keeper.emu.message(JOHN, own.message_id).text == own.text
    assert not keeper.emu.calls("editMessageText")


async def test_new_channel_post_is_searchable_and_edits_replace_it(keeper):
    keeper.emu.post_to_channel(CHANNEL_ID, text="Квантизация трансформеров: обзор GPTQ и AWQ #paperwatch")
    reply = None
    for _ in range(50):  # ingest is asynchronous: ask (in private, no flood rule) until it shows
        reply = await ask(keeper, "/search квантизация", chat=ANNA)
        if "GPTQ" in reply.text:
            break
    assert "GPTQ" in reply.text
    message_id = int(html_of(keeper, reply).split("t.me/boris_again/")[1].split('"')[0])
    keeper.emu.edit_channel_post(CHANNEL_ID, message_id, text="Квантизация трансформеров: обзор SmoothQuant")
    for _ in range(50):
        reply = await ask(keeper, "/search квантизация", chat=ANNA)
        if "SmoothQuant" in reply.text:
            break
    assert "SmoothQuant" in reply.text and "GPTQ" not in reply.text
    stored = keeper.services.archive.get(CHANNEL_ID, message_id)
    assert stored.version == 2 and len(keeper.services.archive.versions(stored.id)) == 1


async def test_album_with_one_caption_is_one_post(keeper):
    keeper.emu.post_to_channel(CHANNEL_ID, photo=True, media_group_id="alb1")
    second = keeper.emu.post_to_channel(CHANNEL_ID, photo=True, media_group_id="alb1",
                                       caption="Диффузионные модели для музыки")
    keeper.emu.post_to_channel(CHANNEL_ID, photo=True, media_group_id="alb1")
    for _ in range(50):
        reply = await ask(keeper, "/search диффузионные музыка", chat=ANNA)
        if "Диффузионные" in reply.text:
            break
    html = html_of(keeper, reply)
    assert html.count("Диффузионные модели для музыки</a>") == 1
    assert f"t.me/boris_again/{second.message_id - 1}" in html  # linked by the album's first message


async def test_inline_search_pages_with_next_offset(keeper):
    query = keeper.emu.inline_query(ANNA, "модель")
    answer = await keeper.emu.wait_for_call("answerInlineQuery")
    assert len(answer["results"]) == 10 and answer["next_offset"] == "10"
    keeper.emu.inline_query(ANNA, "модель", offset="10")
    mark_answer = await keeper.emu.wait_for_call(
        "answerInlineQuery", predicate=lambda p: p["inline_query_id"] != query.id)
    first_ids = {r["id"] for r in answer["results"]}
    assert first_ids.isdisjoint({r["id"] for r in mark_answer["results"]})


async def test_flood_control_and_server_errors_still_deliver_once(keeper):
    keeper.emu.faults.add(method="sendMessage", status=429, retry_after=1)
    keeper.emu.faults.add(method="sendMessage", status=502)
    reply = await ask(keeper, "/help")
    assert "/search" in reply.text
    assert len([m for m in keeper.emu.sent(CHAT_ID) if "/search" in (m.text or "")]) == 1
    assert len(keeper.emu.calls("sendMessage")) == 3  # two failures, one delivery


async def test_restart_keeps_archive_and_paging(keeper):
    reply = await ask(keeper, "/search модель")
    await keeper.restart()
    mark = keeper.emu.mark()
    button = reply.reply_markup.inline_keyboard[0][0]
    keeper.emu.press_button(CHAT_ID, reply.message_id, ANNA, button.callback_data)
    await keeper.emu.wait_for_call("editMessageText", since=mark)
    assert "6–" in keeper.emu.message(CHAT_ID, reply.message_id).text
    assert keeper.services.archive.count() == 26


async def test_startup_registers_menus_in_two_languages(keeper):
    ru = keeper.emu.commands()
    en = keeper.emu.commands(language_code="en")
    assert [c.command for c in ru][:3] == ["search", "papers", "stream"]
    assert ru[0].description == "Поиск по каналу" and en[0].description == "Search the channel"
    assert len(ru) == len(en) == 10


async def test_rules_are_the_published_ones(keeper):
    reply = await ask(keeper, "/rules")
    assert "Не будь мудаком" in reply.text


async def test_a_date_filter_alone_lists_posts_and_a_bad_date_alone_is_explained(keeper):
    reply = await ask(keeper, "/search since:2024-08-10", chat=ANNA)
    html = html_of(keeper, reply)
    assert "результаты" in reply.text and "t.me/boris_again/1726" in html
    assert "t.me/boris_again/1701" not in html
    reply = await ask(keeper, "/search since:garbage", chat=ANNA)
    assert "Не понял дату" in reply.text and "garbage" in reply.text


async def test_a_huge_query_is_echoed_short(keeper):
    reply = await ask(keeper, "/search " + "attention " * 300, chat=ANNA)
    header = reply.text.split("\n")[0]
    assert len(header) < 200 and "attention…" in header


async def test_inline_results_show_no_highlight_markers_and_an_empty_query_gets_a_hint(keeper):
    keeper.emu.inline_query(JOHN, "leakage")
    answer = await keeper.emu.wait_for_call("answerInlineQuery")
    assert answer["results"] and all("**" not in r["description"] for r in answer["results"])
    mark = keeper.emu.mark()
    keeper.emu.inline_query(JOHN, "")
    answer = await keeper.emu.wait_for_call("answerInlineQuery", since=mark)
    assert answer["results"] == [] and answer["button"]["text"] == "Type a query to search the channel"


@pytest.mark.sample
async def test_a_lone_surrogate_in_a_search_is_answered_not_an_error(keeper):
    reply = await ask(keeper, "/search leakage \udcff")
    assert "leakage" in reply.text and "Что-то пошло не так" not in reply.text
    assert "Semantic Leakage" in reply.text
