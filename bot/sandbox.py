"""`keeper sandbox`: the whole bot offline against the emulator; you chat in the terminal.

Lines are messages from the current person in the current place. Lines starting with ':'
steer the sandbox (`:help` lists them). When stdin is not a terminal, lines are read from
the pipe one by one and the bot's replies are printed: `echo "/search leakage" | keeper sandbox`.
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bot.world import CHANNEL_ID, CHAT_ID, PEOPLE, LocalWorld

SAMPLE_EXPORT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "channel_export.json"
SHOWN_CALLS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup",
               "deleteMessage", "banChatMember", "unbanChatMember", "restrictChatMember",
               "banChatSenderChat", "answerCallbackQuery", "answerInlineQuery"}
HELP = """Sandbox commands:
  :as NAME        act as someone: {people}
  :chat / :private  write in the community chat / in private to the bot
  :post TEXT      publish TEXT in the channel (as its owner)
  :reply ID TEXT  reply to message ID in the current place
  :press N        press button N of the bot's last message with buttons
  :inline QUERY   an inline query (@keeper_bot QUERY)
  :help / :quit
Anything else is sent as a message (commands like /search work as in Telegram)."""


def sample_export() -> Path:
    return Path(os.environ.get("KEEPER_SAMPLE_EXPORT") or SAMPLE_EXPORT)


class Sandbox:
    def __init__(self, world: LocalWorld, out=print):
        self.world, self.emu, self.out = world, world.emu, out
        self.person = next(p for p in PEOPLE if p.role == "member")
        self.place = CHAT_ID
        self.last_keyboard: tuple[int, int, list] | None = None

    async def handle(self, line: str) -> bool:
        """Act out one line; print what the bot did. False means quit."""
        line = line.strip()
        if not line:
            return True
        mark = self.emu.mark()
        if line.startswith(":"):
            verb, _, rest = line[1:].partition(" ")
            if verb in ("quit", "exit", "q"):
                return False
            action = getattr(self, f"do_{verb}", None)
            if action is None:
                self.out(f"unknown sandbox command :{verb} (try :help)")
                return True
            if not await action(rest.strip()):
                return True
        else:
            self.emu.send_message(self.place, self.person.id, line)
        await self.show(mark)
        return True

    async def do_help(self, _: str) -> bool:
        self.out(HELP.format(people=", ".join(f"{p.username} ({p.role})" for p in PEOPLE)))
        return False

    async def do_as(self, name: str) -> bool:
        found = [p for p in PEOPLE if name.lower() in (p.username, p.name.lower(), p.role)]
        if not found:
            self.out(f"nobody called {name!r}; :help lists people")
        else:
            self.person = found[0]
            if self.place > 0:
                self.place = self.person.id
            self.out(f"now acting as {self.person.name} (@{self.person.username}, {self.person.role})")
        return False

    async def do_chat(self, _: str) -> bool:
        self.place = CHAT_ID
        self.out("writing in the community chat")
        return False

    async def do_private(self, _: str) -> bool:
        self.place = self.person.id
        self.out("writing to the bot in private")
        return False

    async def do_post(self, text: str) -> bool:
        post = self.emu.post_to_channel(CHANNEL_ID, text=text)
        self.out(f"[channel] posted #{post.message_id}")
        return True

    async def do_reply(self, rest: str) -> bool:
        target, _, text = rest.partition(" ")
        if not target.isdigit():
            self.out("usage: :reply MESSAGE_ID TEXT")
            return False
        self.emu.send_message(self.place, self.person.id, text, reply_to=int(target))
        return True

    async def do_press(self, number: str) -> bool:
        if not self.last_keyboard or not number.isdigit() or not 0 < int(number) <= len(self.last_keyboard[2]):
            self.out("no such button")
            return False
        chat_id, message_id, buttons = self.last_keyboard
        self.emu.press_button(chat_id, message_id, self.person.id, buttons[int(number) - 1].callback_data)
        return True

    async def do_inline(self, query: str) -> bool:
        self.emu.inline_query(self.person.id, query)
        return True

    async def show(self, mark, first_wait: float = 30.0, quiet: float = 0.4) -> None:
        """Print the bot's visible actions since `mark`, until it has been quiet a moment."""
        seen = mark.calls
        deadline = first_wait
        while True:
            try:
                await asyncio.wait_for(self._next_call(seen), deadline)
            except (asyncio.TimeoutError, TimeoutError):
                return
            for name, params in self.emu.call_log[seen:]:
                if name in SHOWN_CALLS:
                    self.print_call(name, params)
            seen = len(self.emu.call_log)
            deadline = quiet

    async def _next_call(self, seen: int) -> None:
        while len(self.emu.call_log) <= seen or not any(
                name in SHOWN_CALLS for name, _ in self.emu.call_log[seen:]):
            await self.emu.calls_signal.wait(1.0)

    def print_call(self, name: str, params: dict) -> None:
        where = "chat" if params.get("chat_id") == CHAT_ID else f"{params.get('chat_id', '')}"
        if name in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
            message = self.emu.message(int(params["chat_id"]), int(params.get("message_id") or 0)) \
                if name == "editMessageText" else self.emu.sent()[-1]
            label = "edited" if name == "editMessageText" else "bot"
            text = (message.text or message.caption or "") if message else params.get("text", "")
            self.out(f"[{label} → {where}] {text}")
            self.remember_keyboard(message)
        elif name == "answerInlineQuery":
            results = params.get("results") or []
            self.out(f"[inline] {len(results)} results: " + "; ".join(r.get("title", "") for r in results))
        elif name == "answerCallbackQuery":
            if params.get("text"):
                self.out(f"[popup] {params['text']}")
        else:
            self.out(f"[{name}] {where} user={params.get('user_id') or params.get('sender_chat_id')}")

    def remember_keyboard(self, message) -> None:
        markup = getattr(message, "reply_markup", None) if message else None
        if markup and getattr(markup, "inline_keyboard", None):
            buttons = [b for row in markup.inline_keyboard for b in row]
            self.last_keyboard = (message.chat.id, message.message_id, buttons)
            self.out("    " + " ".join(f"[{i}: {b.text}]" for i, b in enumerate(buttons, 1)))


async def preload(db_path: Path, export: Path, model: str | None):
    """Import the export into a fresh database and embed it; returns the embedder."""
    from archive.embeddings import load_embedder
    from archive.importer import import_export
    from archive.search import SearchService
    from archive.store import Archive

    embedder = load_embedder(model or "offline")
    archive = Archive(db_path)
    import_export(archive, export, channel_username="boris_again", progress=False)
    SearchService(archive, embedder).embed_pending()
    archive.db.conn.close()
    return embedder


async def run_sandbox(export_path: str | None = None, model: str | None = None,
                      interactive: bool = True, lines=None, out=print) -> None:
    db_path = Path(tempfile.mkdtemp(prefix="keeper-sandbox-")) / "keeper.db"
    embedder = await preload(db_path, Path(export_path) if export_path else sample_export(), model)
    async with LocalWorld(db_path, embedder) as world:
        sandbox = Sandbox(world, out)
        if interactive:
            out("Keeper sandbox: the bot runs against a local Telegram emulator. :help for commands.")
        while True:
            try:
                line = await read_line(sandbox, interactive, lines)
            except EOFError:
                break
            if not await sandbox.handle(line):
                break


async def read_line(sandbox: Sandbox, interactive: bool, lines: list[str] | None) -> str:
    """The next line from the terminal, the pipe, or a given list; EOFError at the end."""
    if interactive:
        return await asyncio.to_thread(input, f"{sandbox.person.name}> ")
    line = (lines.pop(0) + "\n" if lines else "") if lines is not None else await asyncio.to_thread(sys.stdin.readline)
    if not line:
        raise EOFError
    sandbox.out(f"> {line.rstrip()}")
    return line
