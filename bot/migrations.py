"""The bot's own tables (search sessions for paging, dialogue state), as numbered migrations."""
from sqlite_utils import Migrations

from bot.routers.spam.reports import report_migrations
from content.migrations import migrations as content_migrations
from moderation.spam import migrations as spam_migrations
from moderation.store import migrations as moderation_migrations, names_migrations

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


def application_migrations() -> tuple[Migrations, ...]:
    """Every migration set of the application's database besides the archive's (which
    archive.db.open_db applies first): applied once, when the bot opens the database."""
    return (bot_migrations, moderation_migrations, names_migrations, content_migrations, spam_migrations,
            report_migrations)
