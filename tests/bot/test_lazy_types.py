"""aiogram is imported without building every model (bot/lazy_types.py): a model is built the
first time it is used, and then parses what Telegram sends exactly as an eagerly built one."""
import subprocess
import sys

from aiogram.types import Update

PROBE = """
import bot
import aiogram.types as t
print(t.GiveawayWinners.__pydantic_complete__)
update = t.Update.model_validate({"update_id": 7, "message": {
    "message_id": 2, "date": 1723600000, "chat": {"id": -100, "type": "supergroup"},
    "from": {"id": 1, "is_bot": False, "first_name": "Аня"}, "text": "/votekick",
    "reply_to_message": {"message_id": 1, "date": 1723500000, "chat": {"id": -100, "type": "supergroup"},
                         "from": {"id": 2, "is_bot": False, "first_name": "Spam"}, "text": "крипта"}}})
print(update.message.reply_to_message.from_user.first_name, t.Update.__pydantic_complete__)
print(t.GiveawayWinners.__pydantic_complete__)
"""


def test_a_fresh_bot_process_builds_a_model_only_when_it_is_used():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:3] == ["False", "Spam True", "False"]


def test_a_lazily_built_model_parses_nested_and_forward_referenced_fields():
    update = Update.model_validate({"update_id": 1, "callback_query": {
        "id": "9", "chat_instance": "c", "data": "vote:yes",
        "from": {"id": 5, "is_bot": False, "first_name": "Borис", "language_code": "ru"},
        "message": {"message_id": 3, "date": 0, "chat": {"id": -1, "type": "supergroup"},
                    "text": "Голосование", "reply_markup": {"inline_keyboard": [[
                        {"text": "За", "callback_data": "vote:yes"}]]}}}})
    button = update.callback_query.message.reply_markup.inline_keyboard[0][0]
    assert (update.callback_query.from_user.first_name, button.text) == ("Borис", "За")
