"""Running the bot for real: polling or webhook, with graceful shutdown."""
from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiohttp import web
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

from archive.db import open_db
from archive.store import Archive
from bot.app import allowed_updates, build_dispatcher, create_bot
from bot.migrations import application_migrations
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhook"


def make_services(settings: Settings, embedder=None) -> Services:
    """Open the database and the search service (the model loads on first use or `start()`)."""
    from archive.search import SearchService

    db = open_db(settings.db, *application_migrations())
    archive = Archive(db)
    if settings.channel_id is not None:
        archive.set_channel(settings.channel_id, username=settings.channel_username)
    searcher = SearchService(archive, embedder, model=settings.embedding_model)
    return Services(settings=settings, archive=archive, searcher=searcher)


async def run_polling(bot: Bot, dp: Dispatcher, handle_signals: bool = True) -> None:
    # The backlog is kept (channel posts made while down must reach the archive);
    # SkipStaleMessages leaves stale commands unanswered.
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, allowed_updates=allowed_updates(dp), handle_signals=handle_signals,
                           handle_as_tasks=False)  # see bot/middlewares/durable.py


def webhook_app(bot: Bot, dp: Dispatcher, secret: str | None) -> web.Application:
    app = web.Application()
    # answered once handled: a channel post is stored before Telegram counts it delivered
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret,
                         handle_in_background=False).register(app, path=WEBHOOK_PATH)
    setup_application(app, dp, bot=bot)
    return app


async def run_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = webhook_app(bot, dp, secret)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    await bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH, secret_token=secret,
                          allowed_updates=allowed_updates(dp))
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def run(settings: Settings) -> None:
    settings.require_bot()
    services = make_services(settings)
    services.searcher.start()  # load the model, encode what it lacks (full text meanwhile)
    bot = create_bot(settings)
    dp = build_dispatcher(services)
    try:
        if settings.webhook_url:
            await run_webhook(bot, dp, settings)
        else:
            await run_polling(bot, dp)
    finally:
        await bot.session.close()
