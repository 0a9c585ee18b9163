"""aiogram's own aiohttp session, pointed at the emulator."""
from __future__ import annotations

from aiogram.client.session.aiohttp import AiohttpSession


class LoopbackSession(AiohttpSession):
    """AiohttpSession minus the 250 ms TLS-shutdown sleep in close() (plain HTTP on loopback)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
