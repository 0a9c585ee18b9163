"""Wiring: settings -> Bot (with resilient session) -> Dispatcher with routers and services."""
from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand, BotCommandScopeDefault, ErrorEvent

from bot.clock import Clock
from bot.fsm_storage import SQLiteStorage
from bot.i18n import I18nMiddleware, lang_of, translate
from bot.middlewares.outgoing import ResilientRequests, SendLimiter, SendPriority
from bot.middlewares.durable import DurableChannelPosts
from bot.middlewares.stale import SkipStaleMessages
from bot.middlewares.throttle import CommandBudget, InlineBudget, PressBudget
from bot.routers import content, inline, ingest, moderation, search, spam, start
from bot.routers.moderation import ChatModeration
from bot.services import Services
from bot.settings import OFFICIAL_API, Settings

log = logging.getLogger(__name__)

MENU = ("search", "papers", "stream", "events", "digest", "rules", "report", "votekick", "help", "start")
# Updates we ask for beyond what handlers imply: reactions and member changes are opt-in;
# edits reach the spam check (a middleware, no handler).
EXTRA_UPDATES = ["message_reaction_count", "chat_member", "my_chat_member", "edited_message"]


def create_bot(settings: Settings, token: str | None = None, clock: Clock | None = None) -> Bot:
    """The Bot with our session middleware; its send pacing and retries wait on `clock`
    (the services' clock: Telegram's time, which tests and benches move)."""
    clock = clock or Clock()
    session = AiohttpSession()
    if settings.telegram_api.rstrip("/") != OFFICIAL_API:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api.rstrip("/")))
    limiter = SendLimiter(reserve=settings.moderation_reserve, clock=clock.now, sleep=clock.sleep)
    session.middleware(ResilientRequests(limiter, sleep=clock.sleep))
    return Bot(
        token or settings.bot_token.get_secret_value(), session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


def build_dispatcher(services: Services) -> Dispatcher:
    """The dispatcher with every router; handlers declare what they need by name and type:
    `services: Services`, `moderation: ChatModeration`, `spam: SpamGuard` (and aiogram's own `bot`,
    `state`...)."""
    chat_moderation = ChatModeration.create(services.settings, services.db, services.clock)
    spam_guard = spam.SpamGuard.create(services.settings, services.db)
    dp = Dispatcher(storage=SQLiteStorage(services.db), services=services, moderation=chat_moderation,
                    spam=spam_guard)
    dp.update.outer_middleware(DurableChannelPosts(dp))  # first: the rest runs inside it
    dp.update.outer_middleware(I18nMiddleware())
    spam.setup(dp, spam_guard, chat_moderation)  # first: a removed message goes no further
    dp.message.outer_middleware(SkipStaleMessages(services.settings.stale_message_seconds, services.clock.now))
    dp.include_routers(start.build_router(), search.build_router(), inline.build_router(), ingest.build_router())
    cheap = list(dp.sub_routers)
    moderation.setup(dp, chat_moderation)
    urgent = [router for router in dp.sub_routers if router not in cheap]
    content.setup(dp, services)
    settings = services.settings

    def is_admin(user_id: int) -> bool:
        return chat_moderation.store.admin(settings.chat_id, user_id) is not None

    window, clock = settings.command_window, services.clock.now
    dp.message.middleware(CommandBudget(settings.command_limit, settings.command_limit_private, window, clock,
                                        is_admin=is_admin))
    dp.callback_query.middleware(PressBudget(settings.press_limit, window, clock, is_admin=is_admin))
    dp.inline_query.middleware(InlineBudget(settings.inline_limit, window, clock))
    priority = SendPriority(urgent)  # moderation replies go ahead of everything else in a group
    for name, observer in dp.observers.items():
        if name not in ("update", "error"):
            observer.middleware(priority)
    dp.errors.register(on_error)
    dp.startup.register(on_startup)
    return dp


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    """A failing handler is logged with its update id, the person is told; the bot keeps going."""
    update = event.update
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    message = update.message or (update.callback_query.message if update.callback_query else None)
    user = (update.message.from_user if update.message else
            update.callback_query.from_user if update.callback_query else None)
    text = translate("error_generic", lang_of(user))
    try:
        if update.callback_query:
            await bot.answer_callback_query(update.callback_query.id, text, show_alert=True)
        elif message is not None:
            await bot.send_message(message.chat.id, text, reply_to_message_id=message.message_id)
    except Exception as exc:  # noqa: BLE001 - telling the user is best effort
        log.warning("could not report the failure of update %s: %r", update.update_id, exc)
    return True


async def on_startup(bot: Bot, services: Services) -> None:
    me = await bot.get_me()
    services.bot_username = me.username or ""
    for problem in await missing_rights(bot, services.settings):
        log.warning("%s", problem)
    await register_menu(bot)


async def register_menu(bot: Bot) -> None:
    for lang in ("ru", "en"):
        commands = [BotCommand(command=c, description=translate(f"cmd_{c}", lang)) for c in MENU]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(),
                                  language_code=None if lang == "ru" else lang)


NEEDED_IN_CHAT = ("can_delete_messages", "can_restrict_members", "can_pin_messages")


async def missing_rights(bot: Bot, settings: Settings) -> list[str]:
    """What the bot lacks in the channel and the chat, in words an owner can act on."""
    problems = []
    checks = [(settings.channel_id, "channel", ("can_post_messages",)),
              (settings.chat_id, "chat", NEEDED_IN_CHAT)]
    for chat_id, where, rights in checks:
        if chat_id is None:
            continue
        try:
            member = await bot.get_chat_member(chat_id, bot.id)
        except Exception as exc:  # noqa: BLE001 - any API failure is reported, not fatal
            problems.append(f"cannot check my rights in the {where} {chat_id}: {exc}")
            continue
        if member.status == "creator":
            continue
        if member.status != "administrator":
            problems.append(f"I am not an administrator of the {where} {chat_id}: promote me")
            continue
        lacking = [r for r in rights if not getattr(member, r, False)]
        if lacking:
            problems.append(f"in the {where} {chat_id} I lack: {', '.join(lacking)}")
    return problems


def allowed_updates(dp: Dispatcher) -> list[str]:
    return sorted(set(dp.resolve_used_update_types()) | set(EXTRA_UPDATES))
