"""Posting to the channel through the bot: /post -> content -> preview -> publish / schedule / cancel.

Only admins of the channel with the right to post (or its creator) may do this; the
right is checked with getChatMember at every step (the command, the content, each
button press, the time reply, and again when a scheduled post fires). Drafts live in
content_posts (so buttons keep working after a restart); the dialogue state (waiting
for content, waiting for a time) is aiogram FSM. A post is re-sent with its entities,
so formatting is kept, and the Message that comes back enters the archive at once (the
bot gets no update for its own messages).
"""
from __future__ import annotations

import contextlib
import json
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity

from archive.events import WhenError, parse_when
from archive.store import post_url
from bot.i18n import Translator
from bot.messages import LIST_LIMIT, join_within
from bot.routers.content import store
from bot.routers.content.common import can_post_to_channel, esc, now, when_text
from bot.routers.content.events import WHEN_EXAMPLES, on_channel_post, scheduler_of
from bot.routers.content.scheduler import schedule_post, unschedule_post
from bot.routers.ingest import incoming_post
from bot.services import Services

log = logging.getLogger(__name__)
PREVIEW_CHARS = 60


class PostDialog(StatesGroup):
    content = State()
    when = State()


class PostAction(CallbackData, prefix="cpost"):
    action: str  # pub | sch | no | unsch
    id: int


# -- sending --------------------------------------------------------------------------
def draft_from(message: Message) -> dict | None:
    """kind, text, entities (JSON) and file id of a message, or None if it cannot be posted."""
    if message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    elif message.document:
        kind, file_id = "document", message.document.file_id
    elif message.text:
        kind, file_id = "text", None
    else:
        return None
    text = message.text if kind == "text" else (message.caption or "")
    raw = message.entities if kind == "text" else message.caption_entities
    entities = json.dumps([e.model_dump(exclude_none=True, mode="json") for e in raw or []], ensure_ascii=False)
    return {"kind": kind, "text": text, "entities": entities, "file_id": file_id}


def draft_after_command(message: Message) -> dict | None:
    """The draft typed right after the command ("/post Text"), its formatting kept; None if nothing."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2 or not parts[1].strip():
        return None
    rest = parts[1]
    shift = len(text[:len(text) - len(rest)].encode("utf-16-le")) // 2
    kept = [e.model_copy(update={"offset": e.offset - shift}) for e in message.entities or []
            if e.offset >= shift]
    entities = json.dumps([e.model_dump(exclude_none=True, mode="json") for e in kept], ensure_ascii=False)
    return {"kind": "text", "text": rest, "entities": entities, "file_id": None}


async def send_post(bot: Bot, chat_id: int, row: dict) -> Message:
    """Send a stored post as it was written: same text or caption, same entities."""
    entities = [MessageEntity.model_validate(e) for e in json.loads(row["entities"] or "[]")] or None
    text = row["text"] or None
    if row["kind"] == "photo":
        return await bot.send_photo(chat_id, row["file_id"], caption=text, caption_entities=entities, parse_mode=None)
    if row["kind"] == "document":
        return await bot.send_document(chat_id, row["file_id"], caption=text, caption_entities=entities,
                                       parse_mode=None)
    return await bot.send_message(chat_id, row["text"], entities=entities, parse_mode=None)


def url_of(services: Services, message: Message) -> str:
    return post_url(message.chat.id, message.message_id, services.settings.channel_username)


async def publish(bot: Bot, services: Services, row: dict) -> Message:
    """Send to the channel, store in the archive, and schedule reminders if it announces an event."""
    message = await send_post(bot, services.settings.channel_id, row)
    await services.ingest(incoming_post(message))
    post = services.archive.get(message.chat.id, message.message_id)
    if post is not None:
        try:
            await on_channel_post(post, services)
        except Exception:  # noqa: BLE001 - the post is out; reminders are best effort
            log.exception("reading events from published post %s failed", message.message_id)
    return message


async def publish_now(bot: Bot, services: Services, row: dict, from_status: str) -> tuple[str, Message | None]:
    """Claim (from_status -> publishing), send, record; ('published', msg) or ('gone'|'failed', None)."""
    db = services.db
    if not store.move_post(db, row["id"], (from_status,), "publishing"):
        return "gone", None
    try:
        message = await publish(bot, services, row)
    except TelegramAPIError as exc:
        log.warning("publishing post %s failed: %s", row["id"], exc)
        store.move_post(db, row["id"], ("publishing",), "failed", error=str(exc)[:500])
        return "failed", None
    store.move_post(db, row["id"], ("publishing",), "published", channel_message_id=message.message_id)
    return "published", message


async def notify(bot: Bot, user_id: int, text: str) -> None:
    with contextlib.suppress(TelegramAPIError):
        await bot.send_message(user_id, text, disable_web_page_preview=True)


async def publish_due(bot: Bot, services: Services, post_id: int) -> str:
    """The scheduled job: publish once, if the author may still post; tell the author."""
    db = services.db
    row = store.get_post(db, post_id)
    if row is None or row["status"] != "scheduled":
        return "not scheduled"
    t = Translator(row["lang"] or "ru")
    if not await can_post_to_channel(bot, services, row["author_id"]):
        if store.move_post(db, post_id, ("scheduled",), "failed", error="no right to post"):
            await notify(bot, row["author_id"], t("post_fire_no_rights", id=post_id))
        return "no rights"
    status, message = await publish_now(bot, services, row, "scheduled")
    if status == "published":
        await notify(bot, row["author_id"], t("post_fired", id=post_id, url=url_of(services, message)))
    elif status == "failed":
        await notify(bot, row["author_id"], t("post_failed"))
    return status


# -- the dialogue ------------------------------------------------------------------------
def preview_keyboard(post_id: int, t) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("post_btn_publish"), callback_data=PostAction(action="pub", id=post_id).pack()),
        InlineKeyboardButton(text=t("post_btn_schedule"), callback_data=PostAction(action="sch", id=post_id).pack()),
        InlineKeyboardButton(text=t("post_btn_cancel"), callback_data=PostAction(action="no", id=post_id).pack()),
    ]])


async def may_post(message: Message, bot: Bot, services: Services, state: FSMContext, t) -> bool:
    """The writer may post to the channel right now; if not, the dialogue ends and they are told."""
    if await can_post_to_channel(bot, services, message.from_user.id):
        return True
    await state.clear()
    await message.answer(t("post_not_admin"))
    return False


async def post_command(message: Message, bot: Bot, services: Services, state: FSMContext, t, lang: str) -> None:
    if not await may_post(message, bot, services, state, t):
        return
    draft = draft_after_command(message)
    if draft is not None:  # "/post Text" is the draft itself
        await state.clear()
        await preview(message, bot, services, draft, t, lang)
        return
    await state.set_state(PostDialog.content)
    await message.answer(t("post_send_content"))


async def preview(message: Message, bot: Bot, services: Services, draft: dict, t, lang: str) -> None:
    row = store.add_post(services.db, author_id=message.from_user.id, lang=lang, **draft)
    await send_post(bot, message.chat.id, row)
    await message.answer(t("post_preview", id=row["id"]), reply_markup=preview_keyboard(row["id"], t))


async def cancel_command(message: Message, state: FSMContext, t) -> None:
    await state.clear()
    await message.answer(t("post_dialog_cancelled"))


async def post_content(message: Message, bot: Bot, services: Services, state: FSMContext, t, lang: str) -> None:
    if not await may_post(message, bot, services, state, t):
        return
    draft = draft_from(message)
    if draft is None:
        await message.answer(t("post_unsupported"))
        return
    await state.clear()
    await preview(message, bot, services, draft, t, lang)


async def _edit(callback: CallbackQuery, text: str, markup=None) -> None:
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)


async def post_button(callback: CallbackQuery, callback_data: PostAction, bot: Bot, services: Services,
                      state: FSMContext, t) -> None:
    db = services.db
    user_id = callback.from_user.id
    row = store.get_post(db, callback_data.id)
    if row is None or (callback_data.action != "unsch" and row["author_id"] != user_id):
        await callback.answer(t("post_gone"), show_alert=True)
        return
    if not await can_post_to_channel(bot, services, user_id):
        await callback.answer(t("post_not_admin"), show_alert=True)
        return
    action = callback_data.action
    if action == "pub":
        status, message = await publish_now(bot, services, row, "draft")
        if status == "gone":  # a double tap, or another button won
            await callback.answer(t("post_gone"), show_alert=True)
            return
        await _edit(callback, t("post_published", url=url_of(services, message)) if message else t("post_failed"))
    elif action == "sch":
        if row["status"] != "draft":
            await callback.answer(t("post_gone"), show_alert=True)
            return
        await state.set_state(PostDialog.when)
        await state.update_data(post_id=row["id"])
        await _edit(callback, t("post_ask_when", tz=esc(services.settings.timezone), examples=WHEN_EXAMPLES),
                    InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                        text=t("post_btn_cancel"), callback_data=PostAction(action="no", id=row["id"]).pack())]]))
    elif action == "no":
        if store.move_post(db, row["id"], ("draft",), "cancelled"):
            await state.clear()
            await _edit(callback, t("post_cancelled"))
        else:
            await callback.answer(t("post_gone"), show_alert=True)
            return
    elif action == "unsch":
        if store.move_post(db, row["id"], ("scheduled",), "cancelled"):
            unschedule_post(scheduler_of(services), row["id"])
        text, markup = scheduled_list(services, t)
        await _edit(callback, text, markup)
    await callback.answer()


async def post_when(message: Message, bot: Bot, services: Services, state: FSMContext, t) -> None:
    data = await state.get_data()
    row = store.get_post(services.db, int(data.get("post_id") or 0))
    if row is None or row["status"] != "draft" or row["author_id"] != message.from_user.id:
        await state.clear()
        await message.answer(t("post_gone"))
        return
    if not await may_post(message, bot, services, state, t):
        return
    tz = services.settings.timezone
    try:
        moment = parse_when(message.text or "", now(), tz)
    except WhenError as exc:
        await message.answer(t(f"when_{exc.code}", examples=WHEN_EXAMPLES))
        return
    at = int(moment.timestamp())
    if not store.move_post(services.db, row["id"], ("draft",), "scheduled", publish_at=at):
        await state.clear()
        await message.answer(t("post_gone"))
        return
    schedule_post(scheduler_of(services), row["id"], at, tz)
    await state.clear()
    await message.answer(t("post_scheduled", id=row["id"], when=when_text(at, tz)))


def scheduled_list(services: Services, t) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = store.posts(services.db, "scheduled")
    if not rows:
        return t("scheduled_none"), None
    tz = services.settings.timezone
    lines, buttons = [t("scheduled_header")], []
    for row in rows[:LIST_LIMIT]:
        text = " ".join((row["text"] or "").split())
        short = text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")
        kind = "" if row["kind"] == "text" else f"[{row['kind']}] "
        lines.append(f"<code>#{row['id']}</code> · {when_text(row['publish_at'], tz)} · {esc(kind + short)}")
        buttons.append([InlineKeyboardButton(text=t("scheduled_cancel_btn", id=row["id"]),
                                             callback_data=PostAction(action="unsch", id=row["id"]).pack())])
    text = join_within(lines, lambda n: t("list_more", n=n), sep="\n", hidden=max(0, len(rows) - LIST_LIMIT))
    return text, InlineKeyboardMarkup(inline_keyboard=buttons)


async def scheduled_command(message: Message, bot: Bot, services: Services, t) -> None:
    if not await can_post_to_channel(bot, services, message.from_user.id):
        await message.answer(t("post_not_admin"))
        return
    text, markup = scheduled_list(services, t)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


def reconcile(services: Services, at: float | None = None) -> list[int]:
    """At startup: every scheduled post has its job; returns the ids too late to publish."""
    from bot.routers.content.scheduler import POST_GRACE

    at = now() if at is None else at
    scheduler = scheduler_of(services)
    counts = {"rescheduled": 0, "missed": 0}
    missing: list[int] = []
    for row in store.posts(services.db, "scheduled"):
        if scheduler.get_job(f"post:{row['id']}"):
            continue
        if row["publish_at"] + POST_GRACE < at:
            counts["missed"] += 1
            missing.append(row["id"])
        else:
            schedule_post(scheduler, row["id"], row["publish_at"], services.settings.timezone)
            counts["rescheduled"] += 1
    log.info("scheduled posts at startup: %s", counts)
    return missing


async def missed(bot: Bot, services: Services, post_id: int) -> None:
    """A scheduled post whose time passed beyond the grace period (the bot was down too long)."""
    row = store.get_post(services.db, post_id)
    if row and store.move_post(services.db, post_id, ("scheduled",), "missed"):
        await notify(bot, row["author_id"], Translator(row["lang"] or "ru")("post_missed", id=post_id))


def build_router() -> Router:
    router = Router(name=__name__)
    private = F.chat.type == "private"
    router.message.filter(private)
    router.message.register(post_command, Command("post", "пост", ignore_case=True))
    router.message.register(scheduled_command, Command("scheduled", "запланированные", ignore_case=True))
    router.message.register(cancel_command, Command("cancel", "отмена", ignore_case=True),
                            StateFilter(PostDialog.content, PostDialog.when))
    # other commands (/help, /search…) still work while the dialogue waits for the post
    router.message.register(post_content, StateFilter(PostDialog.content), ~F.text.startswith("/"))
    router.message.register(post_when, StateFilter(PostDialog.when), F.text)
    router.callback_query.register(post_button, PostAction.filter())
    return router
