"""The bot's own tables (search sessions for paging, dialogue state), as numbered migrations."""
from sqlite_utils import Migrations

bot_migrations = Migrations("bot")


@bot_migrations()
def m001_search_queries(db):
    db["search_queries"].create(
        {"id": int, "user_id": int, "chat_id": int, "query": str, "lang": str, "created_at": int},
        pk="id",
    )


@bot_migrations()
def m002_fsm(db):
    db["fsm"].create({"key": str, "state": str, "data": str}, pk="key")
