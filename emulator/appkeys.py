"""Keys of the emulator's aiohttp application, shared by the API and control routes."""
from aiohttp import web

EMULATOR = web.AppKey("emulator", object)
