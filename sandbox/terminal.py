"""`keeper sandbox`: the whole bot offline against the emulator; you chat in the terminal.

Lines are messages from the current person in the current place. Lines starting with ':'
steer the sandbox (`:help` lists them). When stdin is not a terminal, lines are read from
the pipe one by one and the bot's replies are printed: `echo "/search leakage" | keeper sandbox`.
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from archive.sample import sample_export_path
from emulator.errors import EmulatorError
from sandbox.keeper import CHANNEL_ID, CHAT_ID, LOG_CHAT_ID, PEOPLE, OfflineKeeper

SHOWN_CALLS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup",
               "deleteMessage", "banChatMember", "unbanChatMember", "restrictChatMember",
               "banChatSenderChat", "answerCallbackQuery", "answerInlineQuery"}
HELP = """Sandbox commands:
  :as NAME        act as someone: {people}
  :chat / :private / :log  write in the community chat / in private to the bot / in the admins' log chat
  :post TEXT      publish TEXT in the channel (as its owner)
  :reply ID TEXT  reply to message #ID in the current place (every message is shown with its #ID)
  :press N [ID]   press button N of the bot's last message with buttons here (or of message #ID)
  :history [N]    the last N messages here, with their #IDs and authors (default 10)
  :inline QUERY   an inline query (@keeper_bot QUERY)
  :help / :quit
Anything else is sent as a message (commands like /search work as in Telegram)."""


# A little chat history, so there are messages to reply to and people who may vote.
CHATTER = (
    ("anna", "Всем привет! Кто уже читал разбор про semantic leakage?"),
    ("ivan", "Я читал, пример с жёлтым автобусом огонь"),
    ("john", "Same here, the yellow school bus example is wild"),
    ("olga", "А кто-нибудь проверял это на открытых моделях?"),
    ("petr", "Проверял на Llama, эффект есть"),
    ("sergey", "Заработок в крипте без вложений!!! Пишите в личку"),
    ("anna", "Петр, а промпты где-то выложены?"),
    ("ivan", "Борис, будет стрим про это?"),
    ("john", "I'd watch that stream"),
    ("olga", "Я тоже"),
    ("petr", "Промпты в статье, в приложении"),
    ("sergey", "Лучшие сигналы по крипте только у меня"),
    ("anna", "Спасибо!"),
    ("ivan", "Жду стрим"),
    ("john", "Thanks for the link"),
    ("olga", "Отличный чат"),
    ("petr", "+1"),
    ("sergey", "Пишите в личку, не пожалеете"),
    ("newbie", "Привет, я тут новенький"),
)


class Sandbox:
    def __init__(self, world: OfflineKeeper, out=print):
        self.world, self.emu, self.out = world, world.emu, out
        self.person = next(p for p in PEOPLE if p.role == "member")
        self.place = CHAT_ID
        self.keyboards: dict[int, int] = {}  # place -> id of its last message with buttons
        self.files_dir = Path(tempfile.mkdtemp(prefix="keeper-sandbox-files-"))
        self._printed = len(self.emu.sent_log)

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
            try:
                if not await action(rest.strip()):
                    return True
            except EmulatorError as exc:
                self.out(f"[sandbox] Telegram would refuse this: {exc}")
                return True
        else:
            try:
                sent = self.emu.send_message(self.place, self.person.id, line)
            except EmulatorError as exc:
                self.out(f"[sandbox] Telegram would refuse this: {exc}")
                return True
            self.out(f"[{self.person.name} → {self.where(self.place)} #{sent.message_id}]")
            if not line.startswith("/") and self.place < 0 and "@admin" not in line.lower():
                await self.show(mark, first_wait=0.7)  # chatter: the bot usually stays silent
                return True
        await self.show(mark)
        return True

    async def seed(self) -> None:
        """Write CHATTER into the chat (then the flood counter forgets it: it happened "earlier")."""
        people = {p.username: p for p in PEOPLE}
        mark = self.emu.mark()
        for username, text in CHATTER:
            self.emu.send_message(CHAT_ID, people[username].id, text)
        last = self.emu.updates.pending[-1].update_id if self.emu.updates.pending else 0
        await self.emu.wait_for_call("getUpdates", lambda p: int(p.get("offset") or 0) > last,
                                     since=mark, timeout=30)
        await asyncio.sleep(0.3)  # let the last handlers finish
        kit = self.world.services.extras.get("moderation")
        for p in PEOPLE:
            if kit is not None:
                kit.flood.forget(CHAT_ID, p.id)
        self._printed = len(self.emu.sent_log)
        self.out(f"The chat has a little history: messages #1–#{len(CHATTER)} (:history shows them).")

    async def do_history(self, count: str) -> bool:
        shown = self.emu.messages(self.place)[-(int(count) if count.isdigit() else 10):]
        for message in shown:
            author = "bot" if message.from_user and message.from_user.is_bot else (
                message.from_user.first_name if message.from_user else "channel")
            self.out(f"  #{message.message_id} {author}: {' '.join(readable(message).split())[:200]}")
        if not shown:
            self.out(f"nothing in {self.where(self.place)} yet")
        return False

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

    async def do_log(self, _: str) -> bool:
        self.place = LOG_CHAT_ID
        self.out("writing in the admins' log chat")
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
        sent = self.emu.send_message(self.place, self.person.id, text, reply_to=int(target))
        self.out(f"[{self.person.name} → {self.where(self.place)} #{sent.message_id}, reply to #{target}]")
        return True

    async def do_press(self, rest: str) -> bool:
        number, _, target = rest.partition(" ")
        target = target.strip().lstrip("#")
        message_id = int(target) if target.isdigit() else self.keyboards.get(self.place)
        message = self.emu.message(self.place, message_id) if message_id else None
        markup = message.reply_markup if message else None  # as it is now: edits may have removed it
        buttons = [b for row in markup.inline_keyboard for b in row] if markup else []
        if not number.isdigit() or not 0 < int(number) <= len(buttons):
            self.out(f"no such button in {self.where(self.place)} (usage: :press N [MESSAGE_ID])")
            return False
        chat_id = self.place
        button = buttons[int(number) - 1]
        if not button.callback_data:
            self.out(f"that button opens {button.url or button.switch_inline_query or 'something outside the bot'}")
            return False
        self.emu.press_button(chat_id, message_id, self.person.id, button.callback_data)
        return True

    async def do_inline(self, query: str) -> bool:
        self.emu.inline_query(self.person.id, query)
        return True

    async def show(self, mark, first_wait: float = 30.0, quiet: float = 0.4) -> None:
        """Print the bot's visible actions since `mark`, until it has been quiet a moment."""
        seen, self._printed = mark.calls, mark.sent
        deadline = first_wait
        while True:
            try:
                await asyncio.wait_for(self._next_call(seen), deadline)
            except (asyncio.TimeoutError, TimeoutError):
                self.print_sent()
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

    def where(self, chat_id) -> str:
        if chat_id in (CHAT_ID, str(CHAT_ID)):
            return "chat"
        if chat_id in (LOG_CHAT_ID, str(LOG_CHAT_ID)):
            return "log chat"
        if chat_id in (CHANNEL_ID, str(CHANNEL_ID)):
            return "channel"
        return f"{self.name_of(chat_id)} (private)"

    def name_of(self, user_id) -> str:
        try:
            return self.emu.user(int(user_id)).first_name
        except (KeyError, ValueError, TypeError, EmulatorError):
            return str(user_id)

    def print_sent(self) -> None:
        """Every message the bot has sent since the last print, with its id (for :reply)."""
        for record in self.emu.sent_log[self._printed:]:
            self.print_message("bot", record.message)
        self._printed = len(self.emu.sent_log)

    def print_message(self, label: str, message) -> None:
        reply = message.reply_to_message
        head = f"[{label} → {self.where(message.chat.id)} #{message.message_id}"
        head += f", reply to #{reply.message_id}]" if reply else "]"
        self.out(f"{head} {self.media(message)}{readable(message)}")
        self.remember_keyboard(message)

    def media(self, message) -> str:
        """A line about an attached photo or document, saved to disk so it can be opened."""
        file_id = message.photo[-1].file_id if message.photo else (
            message.document.file_id if message.document else None)
        record = self.emu.files.get(file_id) if file_id else None
        if record is None:
            return ""
        path = self.files_dir / Path(record.file_path).name
        path.write_bytes(record.data)
        kind = "photo" if message.photo else f"document {message.document.file_name or ''}".rstrip()
        return f"<{kind}: {path}>\n"

    def print_call(self, name: str, params: dict) -> None:
        if name in ("sendMessage", "sendPhoto", "sendDocument"):
            self.print_sent()
        elif name in ("editMessageText", "editMessageReplyMarkup"):
            self.print_sent()
            if params.get("chat_id") is None:
                self.out(f"[edited] {params.get('text', '')}")
                return
            message = self.emu.message(int(params["chat_id"]), int(params.get("message_id") or 0))
            if message is not None:
                self.print_message("edited", message)
        elif name == "answerInlineQuery":
            results = params.get("results") or []
            self.out(f"[inline] {len(results)} results" + "".join(
                f"\n  {i}. {r.get('title', '')} — {r.get('description', '')}" for i, r in enumerate(results, 1)))
        elif name == "answerCallbackQuery":
            if params.get("text"):
                self.out(f"[{'alert' if params.get('show_alert') else 'popup'}] {params['text']}")
        elif name == "deleteMessage":
            self.out(f"[deleted] message #{params.get('message_id')} in {self.where(params.get('chat_id'))}")
        else:
            who = params.get("user_id") or params.get("sender_chat_id")
            until = params.get("until_date")
            self.out(f"[{name}] {self.name_of(who)} in {self.where(params.get('chat_id'))}"
                     + (f" until {datetime.fromtimestamp(int(until), timezone.utc):%Y-%m-%d %H:%M} UTC"
                        if until else ""))

    def remember_keyboard(self, message) -> None:
        markup = getattr(message, "reply_markup", None) if message else None
        if markup and getattr(markup, "inline_keyboard", None):
            buttons = [b for row in markup.inline_keyboard for b in row]
            self.keyboards[message.chat.id] = message.message_id
            self.out("    " + " ".join(f"[{i}: {b.text}]" for i, b in enumerate(buttons, 1)))


def readable(message) -> str:
    """The message's text as a user sees it, with each link's address after its words."""
    text = message.text if message.text is not None else (message.caption or "")
    entities = (message.entities if message.text is not None else message.caption_entities) or []
    encoded = text.encode("utf-16-le")
    inserts = [(e.offset + e.length, f" ‹{e.url}›") for e in entities if e.type == "text_link" and e.url]
    out, last = [], 0
    for at, extra in sorted(inserts):
        out.append(encoded[last * 2:at * 2].decode("utf-16-le"))
        out.append(extra)
        last = at
    out.append(encoded[last * 2:].decode("utf-16-le"))
    return "".join(out)


async def preload(db_path: Path, export: Path, model: str | None):
    """Import the export into a fresh database and embed it; returns the embedder."""
    from archive.embeddings import load_embedder
    from archive.importer import import_export
    from archive.search import SearchService
    from archive.store import Archive

    embedder = load_embedder(model)
    archive = Archive(db_path)
    import_export(archive, export, channel_username="boris_again", progress=False)
    SearchService(archive, embedder).embed_pending()
    archive.db.conn.close()
    return embedder


async def run_sandbox(export_path: str | None = None, model: str | None = None,
                      interactive: bool = True, lines=None, out=print) -> None:
    db_path = Path(tempfile.mkdtemp(prefix="keeper-sandbox-")) / "keeper.db"
    embedder = await preload(db_path, Path(export_path) if export_path else sample_export_path(), model)
    async with OfflineKeeper(db_path, embedder) as world:
        sandbox = Sandbox(world, out)
        await sandbox.seed()
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
