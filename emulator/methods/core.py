"""getMe, getUpdates (long poll), webhooks, getFile."""
from __future__ import annotations

import asyncio
import re

from aiogram.types import File, WebhookInfo

from ..errors import ApiError, bad_request
from .registry import api

CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")
CONFLICT_POLL = ("Conflict: terminated by other getUpdates request; "
                 "make sure that only one bot instance is running")


@api("getMe")
def get_me(emu, p):
    return emu.bot_user


@api("logOut", "close")
def log_out(emu, p):
    return True


@api("getUpdates")
async def get_updates(emu, p):
    if emu.webhook.url:
        raise ApiError(409, CONFLICT_WEBHOOK)
    queue = emu.updates
    queue.confirm(p.int("offset"))
    queue.set_allowed(p.get("allowed_updates"))
    limit = min(max(p.int("limit", 100), 1), 100)
    emu.poll_generation += 1
    generation = emu.poll_generation
    queue.signal.fire()  # an older long poll, if any, is terminated with 409
    deadline = asyncio.get_running_loop().time() + max(p.int("timeout", 0), 0)
    while True:
        if generation != emu.poll_generation:
            raise ApiError(409, CONFLICT_POLL)
        ready = queue.ready(limit)
        left = deadline - asyncio.get_running_loop().time()
        if ready or left <= 0 or emu.closing:
            return ready
        await queue.signal.wait(left)


@api("setWebhook")
def set_webhook(emu, p):
    url = p.get("url") or ""
    secret = p.get("secret_token")
    if url and not re.match(r"https?://", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        emu.updates.clear()
    emu.updates.set_allowed(p.get("allowed_updates"))
    emu.webhook.url = url
    emu.webhook.secret_token = secret
    emu.webhook.max_connections = p.int("max_connections", 40)
    emu.webhook.last_error_date = emu.webhook.last_error_message = None
    emu.webhook_delivery.kick()
    return True


@api("deleteWebhook")
def delete_webhook(emu, p):
    if p.flag("drop_pending_updates"):
        emu.updates.clear()
    emu.webhook.url = ""
    emu.webhook.secret_token = None
    emu.webhook_delivery.kick()
    return True


@api("getWebhookInfo")
def get_webhook_info(emu, p):
    w = emu.webhook
    return WebhookInfo(url=w.url, has_custom_certificate=False,
                       pending_update_count=len(emu.updates.pending),
                       last_error_date=w.last_error_date, last_error_message=w.last_error_message,
                       max_connections=w.max_connections if w.url else None,
                       allowed_updates=emu.updates.allowed if w.url else None)


@api("getFile")
def get_file(emu, p):
    rec = emu.files.get(p.req("file_id"))
    if rec is None:
        raise bad_request("invalid file_id")
    return File(file_id=rec.file_id, file_unique_id=rec.file_unique_id,
                file_size=len(rec.data), file_path=rec.file_path)
