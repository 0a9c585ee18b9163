"""Posting to the channel through the bot: /post -> content -> preview -> publish / schedule / cancel.

Only admins of the channel with the right to post (or its creator) may do this; the
right is checked with getChatMember at every step (the command, the content, each
button press, the time reply, and again when a scheduled post fires). Drafts are
content records (so buttons keep working after a restart; content.posts says which
moves a post may make); the dialogue state (waiting for content, waiting for a time) is
aiogram FSM. Publishing and scheduling go through ContentJobs (jobs.py).
"""
from __future__ import annotations

import contextlib

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from archive.dates import WhenError, parse_when
from bot.messages import LIST_LIMIT, join_within
from bot.render import escape
from bot.routers.content.common import WHEN_EXAMPLES, can_post_to_channel, channel_url, when_problem, when_text
from bot.routers.content.drafts import content_after_command, content_of, send_content
from bot.routers.content.jobs import ContentJobs, Outcome
from bot.services import Services
from content.posts import PostAction, PostContent, PostRecord, PostStatus
from content.store import ContentStore

PREVIEW_CHARS = 60


class PostDialog(StatesGroup):
    content = State()
    when = State()


class PostButton(CallbackData, prefix="cpost"):
    action: PostAction
    id: int


def button(text: str, action: PostAction, post_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=PostButton(action=action, id=post_id).pack())


def preview_keyboard(post_id: int, t) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        button(t("post_btn_publish"), PostAction.PUBLISH, post_id),
        button(t("post_btn_schedule"), PostAction.SCHEDULE, post_id),
        button(t("post_btn_cancel"), PostAction.CANCEL, post_id),
    ]])


# -- the dialogue ------------------------------------------------------------------------
async def may_post(message: Message, bot: Bot, services: Services, state: FSMContext, t) -> bool:
    """The writer may post to the channel right now; if not, the dialogue ends and they are told."""
    if await can_post_to_channel(bot, services, message.from_user.id):
        return True
    await state.clear()
    await message.answer(t("post_not_admin"))
    return False


async def preview(message: Message, bot: Bot, services: Services, store: ContentStore, content: PostContent,
                  t, lang: str) -> None:
    post = store.add_post(message.from_user.id, lang, content, services.clock.now())
    await send_content(bot, message.chat.id, post.content)
    await message.answer(t("post_preview", id=post.id), reply_markup=preview_keyboard(post.id, t))


async def post_command(message: Message, bot: Bot, services: Services, content_store: ContentStore,
                       state: FSMContext, t, lang: str) -> None:
    if not await may_post(message, bot, services, state, t):
        return
    content = content_after_command(message)
    if content is not None:  # "/post Text" is the post itself
        await state.clear()
        await preview(message, bot, services, content_store, content, t, lang)
        return
    await state.set_state(PostDialog.content)
    await message.answer(t("post_send_content"))


async def cancel_command(message: Message, state: FSMContext, t) -> None:
    await state.clear()
    await message.answer(t("post_dialog_cancelled"))


async def post_content(message: Message, bot: Bot, services: Services, content_store: ContentStore,
                       state: FSMContext, t, lang: str) -> None:
    if not await may_post(message, bot, services, state, t):
        return
    content = content_of(message)
    if content is None:
        await message.answer(t("post_unsupported"))
        return
    await state.clear()
    await preview(message, bot, services, content_store, content, t, lang)


async def post_when(message: Message, bot: Bot, services: Services, content_jobs: ContentJobs,
                    state: FSMContext, t) -> None:
    data = await state.get_data()
    store = content_jobs.store
    post = store.post(int(data.get("post_id") or 0))
    if post is None or post.status is not PostStatus.DRAFT or post.author_id != message.from_user.id:
        await state.clear()
        await message.answer(t("post_gone"))
        return
    if not await may_post(message, bot, services, state, t):
        return
    tz, now = services.settings.timezone, services.clock.now()
    try:
        at = int(parse_when(message.text or "", now, tz).timestamp())
    except WhenError as exc:
        await message.answer(when_problem(exc, t))
        return
    await state.clear()
    if not store.move_post(post.id, PostStatus.DRAFT, PostStatus.SCHEDULED, now, publish_at=at):
        await message.answer(t("post_gone"))
        return
    content_jobs.schedule_post(post.id, at)
    await message.answer(t("post_scheduled", id=post.id, when=when_text(at, tz, t)))


# -- the buttons -------------------------------------------------------------------------
async def _edit(callback: CallbackQuery, text: str, markup=None) -> None:
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)


async def post_button(callback: CallbackQuery, callback_data: PostButton, bot: Bot, services: Services,
                      content_jobs: ContentJobs, state: FSMContext, t) -> None:
    action = callback_data.action
    post = content_jobs.store.post(callback_data.id)
    if post is None or (action.author_only and post.author_id != callback.from_user.id):
        await callback.answer(t("post_gone"), show_alert=True)
        return
    if not await can_post_to_channel(bot, services, callback.from_user.id):
        await callback.answer(t("post_not_admin"), show_alert=True)
        return
    if action is PostAction.UNSCHEDULE:
        if content_jobs.store.move_post(post.id, PostStatus.SCHEDULED, PostStatus.CANCELLED, services.clock.now()):
            content_jobs.unschedule_post(post.id)
        await _edit(callback, *scheduled_list(services, content_jobs.store, t))
    elif not await draft_button(callback, action, post, services, content_jobs, state, t):
        await callback.answer(t("post_gone"), show_alert=True)
        return
    await callback.answer()


async def draft_button(callback: CallbackQuery, action: PostAction, post: PostRecord, services: Services,
                       jobs: ContentJobs, state: FSMContext, t) -> bool:
    """Publish, schedule or cancel a draft; False if it is no longer a draft (a double tap, another button won)."""
    if action is PostAction.PUBLISH:
        outcome, message = await jobs.publish(post, PostStatus.DRAFT)
        if outcome is Outcome.GONE:
            return False
        await _edit(callback, t("post_published", url=channel_url(services, message)) if message else t("post_failed"))
    elif action is PostAction.SCHEDULE:
        if post.status is not PostStatus.DRAFT:
            return False
        await state.set_state(PostDialog.when)
        await state.update_data(post_id=post.id)
        await _edit(callback, t("post_ask_when", tz=escape(services.settings.timezone), examples=WHEN_EXAMPLES),
                    InlineKeyboardMarkup(inline_keyboard=[[button(t("post_btn_cancel"), PostAction.CANCEL, post.id)]]))
    elif action is PostAction.CANCEL:
        if not jobs.store.move_post(post.id, PostStatus.DRAFT, PostStatus.CANCELLED, services.clock.now()):
            return False
        await state.clear()
        await _edit(callback, t("post_cancelled"))
    return True


# -- scheduled posts -----------------------------------------------------------------------
def scheduled_list(services: Services, store: ContentStore, t) -> tuple[str, InlineKeyboardMarkup | None]:
    posts = store.posts(PostStatus.SCHEDULED)
    if not posts:
        return t("scheduled_none"), None
    tz = services.settings.timezone
    lines = [t("scheduled_header")]
    lines += [f"<code>#{p.id}</code> · {when_text(p.publish_at, tz, t)} · {escape(p.content.preview(PREVIEW_CHARS))}"
              for p in posts[:LIST_LIMIT]]
    buttons = [[button(t("scheduled_cancel_btn", id=p.id), PostAction.UNSCHEDULE, p.id)] for p in posts[:LIST_LIMIT]]
    text = join_within(lines, lambda n: t("list_more", n=n), sep="\n", hidden=max(0, len(posts) - LIST_LIMIT))
    return text, InlineKeyboardMarkup(inline_keyboard=buttons)


async def scheduled_command(message: Message, bot: Bot, services: Services, content_store: ContentStore,
                            t) -> None:
    if not await can_post_to_channel(bot, services, message.from_user.id):
        await message.answer(t("post_not_admin"))
        return
    text, markup = scheduled_list(services, content_store, t)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def private_only(message: Message, t) -> None:
    await message.answer(t("post_private_only"))


POST_COMMAND = Command("post", "пост", ignore_case=True)
SCHEDULED_COMMAND = Command("scheduled", "запланированные", ignore_case=True)


def build_router() -> Router:
    """The posting dialogue in a private chat; in a group, /post and /scheduled say where they work."""
    elsewhere = Router(name=f"{__name__}.elsewhere")
    elsewhere.message.filter(F.chat.type != "private")
    elsewhere.message.register(private_only, POST_COMMAND)
    elsewhere.message.register(private_only, SCHEDULED_COMMAND)
    router = Router(name=f"{__name__}.private")
    router.message.filter(F.chat.type == "private")
    router.message.register(post_command, POST_COMMAND)
    router.message.register(scheduled_command, SCHEDULED_COMMAND)
    router.message.register(cancel_command, Command("cancel", "отмена", ignore_case=True),
                            StateFilter(PostDialog.content, PostDialog.when))
    # other commands (/help, /search…) still work while the dialogue waits for the post
    router.message.register(post_content, StateFilter(PostDialog.content), ~F.text.startswith("/"))
    router.message.register(post_when, StateFilter(PostDialog.when), F.text)
    router.callback_query.register(post_button, PostButton.filter())
    feature = Router(name=__name__)
    feature.include_routers(router, elsewhere)
    return feature
