"""`keeper sandbox`: the whole bot offline against the emulator; you chat in the terminal.

Lines are messages from the current person in the current place. Lines starting with ':'
steer the sandbox (`:help` lists them). When stdin is not a terminal, lines are read from
the pipe one by one and the bot's replies are printed: `echo "/search leakage" | keeper sandbox`.
"""
from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from archive.sample import sample_export_path
from bot.clock import Clock
from bot.i18n import DEFAULT_LANG, Translator
from bot.routers.spam.guard import facts_of
from bot.routers.spam.render import reasons_text
from emulator.errors import EmulatorError
from moderation.spam import SpamAction
from sandbox.keeper import CHANNEL_ID, CHAT_ID, LOG_CHAT_ID, PEOPLE, OfflineKeeper

MAX_WAIT = 60.0  # seconds the sandbox waits for a busy bot before it takes the next line
TYPING_GAP = 3.0  # seconds of sandbox time between piped lines (a person typing)
SEED_GAP = 12.0  # seconds between the seeded chat messages
MAX_CLOCK_STEPS = 100  # planned jobs run on one :clock move, at most

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
  :spamcheck [ID] what the newcomer spam check says of message #ID here (default: every member's message)
  :inline QUERY   an inline query (@keeper_bot QUERY)
  :clock [+2h | +1d | YYYY-MM-DD HH:MM]  show or move the sandbox's time
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


SPAM_OUTCOMES = {SpamAction.NONE: "fine", SpamAction.ASK_ADMINS: "would ask the admins",
                 SpamAction.DELETE_AND_RESTRICT: "would remove it and mute the sender"}
NOT_CHECKED = " (a regular or an admin: not checked)"


class Sandbox:
    def __init__(self, world: OfflineKeeper, files_dir: Path, out=print):
        self.world, self.emu, self.out = world, world.emu, out
        self.person = next(p for p in PEOPLE if p.role == "member")
        self.place = CHAT_ID
        self.keyboards: dict[int, int] = {}  # place -> id of its last message with buttons
        self.files_dir = files_dir  # photos and documents the bot sends are saved here
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
        await self.show(mark)
        return True

    async def seed(self) -> None:
        """Write CHATTER into the chat a few minutes before the sandbox's "now", spaced as people
        write, so it counts for votekick eligibility without tripping anti-flood."""
        people = {p.username: p for p in PEOPLE}
        self.world.know_regulars()  # members, unlike the newcomer, have written here for a month
        start = self.world.clock.now()
        self.world.clock.set(start - SEED_GAP * (len(CHATTER) + 1))
        for username, text in CHATTER:
            self.world.clock.advance(SEED_GAP)
            self.emu.send_message(CHAT_ID, people[username].id, text)
        await self.world.settle()
        self.world.clock.set(start)
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

    async def do_spamcheck(self, target: str) -> bool:
        """The spam check's verdict on message #ID here, or on every member's message here:
        the seeded chatter's crypto posts came from a regular, whom the check leaves alone."""
        target = target.lstrip("#")
        guard, now = self.world.spam, self.world.clock.now()
        if guard.filter is None:
            self.out("the spam check is off (KEEPER_SPAM_CHECK) or its model did not load")
            return False
        if target and not target.isdigit():
            self.out("usage: :spamcheck [MESSAGE_ID]")
            return False
        found = [self.emu.message(self.place, int(target))] if target else self.emu.messages(self.place)
        shown = [m for m in found if m is not None and m.from_user and not m.from_user.is_bot
                 and (m.text or m.caption)]
        if not shown:
            self.out(f"no member's text to check in {self.where(self.place)}")
        t = Translator(DEFAULT_LANG)  # as the admins' log chat reads it
        for message in shown:
            verdict = await guard.check(facts_of(message), now)
            checked = guard.checks(self.world.moderation, message, self.world.bot.id, now)
            self.out(f"  #{message.message_id} {message.from_user.first_name}{'' if checked else NOT_CHECKED}: "
                     f"{verdict.score:.2f}, {SPAM_OUTCOMES[verdict.action]}"
                     + (f" — {reasons_text(verdict, t)}" if verdict.action is not SpamAction.NONE else ""))
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

    async def show(self, mark) -> None:
        """Print the bot's visible actions since `mark`, as they happen, until it is idle."""
        seen, self._printed = mark.calls, mark.sent
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        while True:
            settled = await self.world.settle(timeout=0.5)
            for name, params in self.emu.call_log[seen:]:
                if name in SHOWN_CALLS:
                    self.print_call(name, params)
            seen = len(self.emu.call_log)
            if settled:
                break
            if loop.time() > deadline:
                self.out(f"[sandbox] the bot is still busy after {MAX_WAIT:.0f} s; its replies will show later")
                break
        self.print_sent()

    def moment(self) -> str:
        """The sandbox's date and time, as the chat's people read it (Moscow time)."""
        when = datetime.fromtimestamp(self.world.clock.now(), ZoneInfo(self.world.settings().timezone))
        return f"{when:%d.%m.%Y %H:%M} ({when.tzname()})"

    async def do_clock(self, rest: str) -> bool:
        """Show the sandbox's time, or move it: `:clock +2h`, `:clock +1d`, `:clock 2024-08-18 10:00`.
        Moving it runs what the bot had planned on the way (reminders, scheduled posts, the digest)."""
        if rest:
            target = parse_moment(rest, self.world.clock.now(), self.world.settings().timezone)
            if target is None:
                self.out("usage: :clock [+30m | +2h | +1d | YYYY-MM-DD [HH:MM]]")
                return False
            if target < self.world.clock.now():
                self.out("the sandbox's clock only moves forward")
                return False
            await self.move_clock(target)
        self.out(f"it is {self.moment()} in the sandbox")
        return False

    async def move_clock(self, target: float) -> None:
        """Step the clock to each planned job on the way to `target`, letting it run and showing
        what the bot sends."""
        jobs = self.world.dp["content_jobs"]
        for _ in range(MAX_CLOCK_STEPS):
            now, due = self.world.clock.now(), jobs.next_due()
            step = due if due is not None and now < due <= target else target
            mark = self.emu.mark()
            self.world.clock.advance(step - now)
            jobs.clock_moved(step - now)
            await self.show(mark)
            if step >= target:
                return
        self.world.clock.set(target)

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
        self.files_dir.mkdir(exist_ok=True)
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
            self.out(f"[inline] {len(results)} result{'' if len(results) == 1 else 's'}" + "".join(
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


def parse_moment(text: str, now: float, tz: str) -> float | None:
    """`+30m`, `+2h`, `+1d` from `now`, or a local `YYYY-MM-DD [HH:MM]`; None if neither."""
    text = text.strip()
    units = {"m": 60, "h": 3600, "d": 86400}
    if text.startswith("+") and text[1:-1].isdigit() and text[-1:] in units:
        return now + int(text[1:-1]) * units[text[-1]]
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=ZoneInfo(tz)).timestamp()
        except ValueError:
            continue
    return None


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
    from archive.importer import import_and_embed
    from archive.store import Archive

    embedder = load_embedder(model)
    with Archive(db_path) as archive:
        import_and_embed(archive, export, embedder, channel_username="boris_again", progress=False)
    return embedder


def sample_time(db_path: Path, tz: str = "Europe/Moscow") -> tuple[float, int]:
    """Noon of the day after the archive's last post (the sandbox's "now"), and the channel's
    next message id (after the archive's highest)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        last_date, last_id = conn.execute(
            "SELECT MAX(posts.date), MAX(post_parts.message_id) FROM posts JOIN post_parts"
            " ON post_parts.post_id = posts.id").fetchone()
    if last_date is None:
        return datetime.now(timezone.utc).timestamp(), 1
    day = datetime.fromtimestamp(last_date, ZoneInfo(tz)).date() + timedelta(days=1)
    return datetime.combine(day, time(12, 0), ZoneInfo(tz)).timestamp(), last_id + 1


async def run_sandbox(export_path: str | None = None, model: str | None = None,
                      interactive: bool = True, lines=None, out=print) -> None:
    with tempfile.TemporaryDirectory(prefix="keeper-sandbox-") as tmp:
        db_path = Path(tmp) / "keeper.db"
        export = Path(export_path) if export_path else sample_export_path()
        embedder = await preload(db_path, export, model)
        start, next_id = sample_time(db_path)
        async with OfflineKeeper(db_path, embedder, clock=Clock(start=start), channel_next_id=next_id) as world:
            sandbox = Sandbox(world, Path(tmp) / "files", out)
            out(f"Keeper sandbox: the bot runs against a local Telegram emulator. It lives on "
                f"{sandbox.moment()}, the day after the sample's last post (:clock moves time).")
            await sandbox.seed()
            if interactive:
                out(":help lists people and commands.")
            while True:
                try:
                    line = await read_line(sandbox, interactive, lines)
                except EOFError:
                    break
                if not await sandbox.handle(line):
                    break


async def read_line(sandbox: Sandbox, interactive: bool, lines: list[str] | None) -> str:
    """The next line from the terminal, the pipe, or a given list; EOFError at the end.
    Piped lines come as a person types them: TYPING_GAP seconds of sandbox time apart."""
    if interactive:
        return await asyncio.to_thread(input, f"{sandbox.person.name}> ")
    line = (lines.pop(0) + "\n" if lines else "") if lines is not None else await asyncio.to_thread(sys.stdin.readline)
    if not line:
        raise EOFError
    sandbox.world.clock.advance(TYPING_GAP)
    sandbox.out(f"> {line.rstrip()}")
    return line
