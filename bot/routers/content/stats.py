"""/stats: posts per week and top hashtags as a PNG chart, with a short summary."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from archive.charts import channel_stats, stats_chart_png
from bot.render_archive import chart_labels, stats_summary
from bot.render import escape
from bot.routers.content.common import in_thread
from bot.services import Services


async def stats_command(message: Message, services: Services, t) -> None:
    tz = services.settings.timezone
    if services.archive.count() == 0:
        await message.answer(t("stats_empty"))
        return
    labels = chart_labels(t)
    png, stats = await in_thread(
        services, lambda archive: (stats_chart_png(archive, tz=tz, labels=labels), channel_stats(archive, tz)))
    caption = f"<b>{t('stats_title')}</b>\n{escape(stats_summary(stats, t))}"
    await message.answer_photo(BufferedInputFile(png, filename="stats.png"), caption=caption[:1024])


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stats_command, Command("stats", "статистика", ignore_case=True))
    return router
