"""The archive's schema, as numbered migrations in two named sets.

`ARCHIVE_SETS` is everything the archive needs; `archive.db.open_db` applies it (and any
sets a caller adds) once, when the database opens. The names are recorded in the
database (`_sqlite_migrations`), so they never change: "archive" holds the posts and the
import log, "archive_vectors" the passages and their vectors.
"""
from sqlite_utils import Migrations

archive_migrations = Migrations("archive")
vector_migrations = Migrations("archive_vectors")


@archive_migrations()
def m001_posts(db):
    db["channels"].create({"id": int, "title": str, "username": str}, pk="id")
    db["posts"].create(
        {
            "id": int, "channel_id": int, "message_id": int, "date": int, "edit_date": int,
            "text": str, "entities": str, "title": str, "hashtags": str, "links": str,
            "forwarded_from": str, "media_group_id": str, "media": str, "reactions": str,
            "reaction_total": int, "version": int, "content_hash": str, "source": str,
        },
        pk="id",
        not_null={"channel_id", "message_id", "date"},
        defaults={"text": "", "entities": "[]", "version": 1, "reactions": "{}", "reaction_total": 0},
    )
    db["posts"].create_index(["channel_id", "message_id"], unique=True)
    db["posts"].create_index(["channel_id", "media_group_id"])
    db["posts"].create_index(["date"])
    # Each Telegram message of a post (an album has several); edits address a part.
    db["post_parts"].create(
        {"channel_id": int, "message_id": int, "post_id": int, "text": str, "entities": str, "media": str},
        pk=("channel_id", "message_id"),
        foreign_keys=[("post_id", "posts", "id")],
    )
    db["post_parts"].create_index(["post_id"])
    db["post_versions"].create(
        {"id": int, "post_id": int, "version": int, "text": str, "entities": str,
         "edit_date": int, "replaced_at": int},
        pk="id",
        foreign_keys=[("post_id", "posts", "id")],
    )
    db["post_versions"].create_index(["post_id", "version"], unique=True)
    db.execute(
        "CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
    )


@archive_migrations()
def m002_imports(db):
    # One row per (export file, chat) imported: lets a re-run skip what is committed.
    db["imports"].create(
        {
            "id": int, "path": str, "size": int, "mtime_ns": int, "head_sha256": str,
            "channel_id": int, "chat_title": str, "messages_done": int, "last_message_id": int,
            "status": str, "error": str, "started_at": int, "finished_at": int,
        },
        pk="id",
    )
    db["imports"].create_index(["size", "mtime_ns", "head_sha256", "channel_id"], unique=True)


@archive_migrations()
def m003_part_edit_date(db):
    # When each message was last edited, so an older state arriving later is not stored over it.
    db["post_parts"].add_column("edit_date", int)


@vector_migrations()
def m001_vectors(db):
    # passages: how a post is split for one model (splitting follows its tokenizer);
    # passage_posts: which post version was split; embeddings: float32 blobs keyed by
    # model and text, so unchanged text is never encoded twice; vector_state: bumped on
    # every change so an in-memory index knows when to reload.
    db["passages"].create(
        {"model": str, "post_id": int, "idx": int, "text": str, "text_hash": str},
        pk=("model", "post_id", "idx"),
    )
    db["passages"].create_index(["model", "text_hash"])
    db["passage_posts"].create(
        {"model": str, "post_id": int, "content_hash": str, "passages": int},
        pk=("model", "post_id"),
    )
    db["embeddings"].create(
        {"model": str, "text_hash": str, "dim": int, "vector": bytes, "created": int},
        pk=("model", "text_hash"),
    )
    db["vector_state"].create({"model": str, "version": int, "resets": int}, pk="model")


ARCHIVE_SETS = (archive_migrations, vector_migrations)
