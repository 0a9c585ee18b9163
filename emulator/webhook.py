"""Webhook delivery: POST each pending update in order, retrying until the receiver says 2xx."""
from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp

from .errors import ApiError
from .models import dump
from .params import Params


class WebhookDelivery:
    def __init__(self, emu) -> None:
        self.emu = emu
        self.retry_delay = 0.05  # first retry; doubles up to max_retry_delay
        self.max_retry_delay = 1.0
        self.delivered = 0
        self.attempts = 0
        self._attempted = None  # Signal, created lazily inside the loop
        self._task: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait_attempts(self, n: int, timeout: float = 5.0) -> None:
        """Wait until at least n POSTs were attempted in total (delivered or failed)."""
        from .updates import Signal

        self._attempted = self._attempted or Signal()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.attempts < n:
            if not await self._attempted.wait(deadline - loop.time()):
                raise TimeoutError(f"only {self.attempts} webhook attempts after {timeout}s")

    def kick(self) -> None:
        self.emu.updates.signal.fire()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        delay = self.retry_delay
        queue = self.emu.updates
        while True:
            ready = queue.ready(1) if self.emu.webhook.url else []
            if not ready:
                await queue.signal.wait(None)
                continue
            if await self._post(ready[0]):
                if ready[0] in queue.pending:
                    queue.pending.remove(ready[0])
                self.delivered += 1
                delay = self.retry_delay
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)

    async def _post(self, update) -> bool:
        try:
            return await self._attempt(update)
        finally:
            self.attempts += 1
            if self._attempted is not None:
                self._attempted.fire()

    async def _attempt(self, update) -> bool:
        hook = self.emu.webhook
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
        try:
            async with self._session.post(hook.url, json=dump(update), headers=headers) as resp:
                body = await resp.read()
                if 200 <= resp.status < 300:
                    await self._run_reply(body)
                    return True
                error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            error = f"Connection failed: {type(e).__name__}"
        hook.last_error_date, hook.last_error_message = self.emu._now(), error
        return False

    async def _run_reply(self, body: bytes) -> None:
        """A webhook may answer with one method call in its response body, as Telegram allows."""
        from .server import execute

        try:
            data = json.loads(body) if body else None
        except ValueError:
            return
        if isinstance(data, dict) and "method" in data:
            params = Params({k: v for k, v in data.items() if k != "method"})
            params.uploads = {}
            with contextlib.suppress(ApiError):
                await execute(self.emu, data["method"], params)
