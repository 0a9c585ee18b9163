"""/start, /help, /rules."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.render import escape
from bot.routers.moderation import ChatModeration
from bot.rules import DEFAULT_RULES
from bot.services import Services


def current_rules(services: Services, moderation: ChatModeration) -> str:
    """Rules set with /setrules, else the configured text, else the published rules."""
    return moderation.custom_rules() or services.settings.rules_text or DEFAULT_RULES


async def start(message: Message, services: Services, t) -> None:
    await message.answer(t("start", help=t("help", bot_username=services.bot_username)))


async def help_command(message: Message, services: Services, t) -> None:
    await message.answer(t("help", bot_username=services.bot_username))


async def rules(message: Message, services: Services, moderation: ChatModeration, t) -> None:
    await message.answer(f"{t('rules_title')}\n\n{escape(current_rules(services, moderation))}")


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(rules, Command("rules", "правила"))
    return router
