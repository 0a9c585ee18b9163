"""Admin reply latency under abuse, before and after the reply budget, through the emulator.

    python bench/abuse.py [--seconds 120]

Every scenario runs twice on a fresh OfflineKeeper (the sample archived, FakeEmbedder):
"before" with the reply budget off (no per-person command limits, every report its own post,
no places kept for moderation in a group's send queue), "after" with the default settings.

Time is message time: the keeper's clock (a StillClock, shared by the bot and the emulator)
moves from one event to the next: the next scripted message, or the moment a send the bot
paced becomes due. The emulator enforces Telegram's limits on that clock (about 30 messages/s,
20 a minute into one group, answering 429 beyond), so a minute of Telegram's pacing takes no
real time and the numbers are what Telegram would impose, not what this machine's speed gives.

Scenarios, each `--seconds` long, with an admin /warn-ing a different member every 10 s:
  rules    three members send /rules every 2.5 s (below the anti-flood rule)
  search   one member sends 15 /search, one every 2.5 s
  report   ten members /report the same message within one second
  all      the three at once
Latency: from the admin's /warn to the bot's reply to it, in message time. Prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from archive.embeddings import FakeEmbedder  # noqa: E402
from archive.importer import import_export  # noqa: E402
from archive.sample import sample_export_path  # noqa: E402
from archive.store import Archive  # noqa: E402
from bot.clock import StillClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from emulator.errors import EmulatorError  # noqa: E402
from sandbox.keeper import CHAT_ID, LOG_CHAT_ID, OfflineKeeper  # noqa: E402

START = 1_754_000_000.0
MARIA, ANNA, IVAN, OLGA, PETR = 101, 1001, 1002, 1004, 1005
REPORTERS = range(7000, 7010)
TARGETS = range(8000, 8100)
QUERIES = ["модель", "leakage", "квантизация", "стрим", "опрос", "трансформер", "VILA", "Flux"]
DEFAULTS = {name: Settings.model_fields[name].default
            for name in ("command_limit", "command_limit_private", "report_merge_seconds", "moderation_reserve")}
OFF = dict(command_limit=0, command_limit_private=0, report_merge_seconds=0, moderation_reserve=0)
QUIET = dict(votekick_sweep_seconds=3600)


@dataclass
class Step:
    at: float  # seconds after the start
    user: int
    text: str
    reply_to: str | None = None  # a name given to an earlier step's message
    name: str | None = None


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    chat_messages: int = 0
    log_posts: int = 0  # the warns' audit entries and the reports
    report_posts: int = 0
    refused: int = 0  # sends Telegram answered with 429
    last_answer: float = 0.0  # when the chat's last bot message came, after the start


def script(name: str, seconds: float) -> list[Step]:
    steps = [Step(0.2 + i * 0.01, uid, "опоздал на созвон, что я пропустил?", name=f"target{i}")
             for i, uid in enumerate(TARGETS[: int(seconds // 10) + 1])]
    steps += [Step(5 + 10 * i, MARIA, "/warn оффтоп", reply_to=f"target{i}", name=f"warn{i}")
              for i in range(int((seconds - 5) // 10) + 1)]
    if name in ("rules", "all"):
        steps += [Step(1 + offset + 2.5 * i, uid, "/rules")
                  for offset, uid in ((0.0, ANNA), (0.8, IVAN), (1.6, OLGA))
                  for i in range(int((seconds - 2) / 2.5))]
    if name in ("search", "all"):
        steps += [Step(3 + 2.5 * i, PETR, f"/search {QUERIES[i % len(QUERIES)]}") for i in range(15)]
    if name in ("report", "all"):
        steps.append(Step(29.5, 1006, "купи крипту http://spam.example", name="spam"))
        steps += [Step(30 + 0.1 * i, uid, "/report", reply_to="spam") for i, uid in enumerate(REPORTERS)]
    return sorted(steps, key=lambda s: s.at)


async def settle(world: OfflineKeeper, quiet: float = 0.03, longest: float = 0.5) -> None:
    """Until the bot has done all it can at this moment of message time: no update waiting,
    every handler still running asleep on the clock, and no API call for `quiet` real seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + longest
    calls, still_since = len(world.emu.call_log), loop.time()
    while loop.time() < deadline:
        await world.emu.calls_signal.wait(0.01)
        asleep = sum(not future.done() for *_, future in world.clock.sleepers)
        busy = world.emu.updates.pending or world.in_flight.count > asleep
        if len(world.emu.call_log) != calls or busy:
            calls, still_since = len(world.emu.call_log), loop.time()
        elif loop.time() - still_since >= quiet:
            return


async def play(world: OfflineKeeper, steps: list[Step]) -> Outcome:
    clock, emu = world.clock, world.emu
    named: dict[str, int] = {}
    warns: dict[int, float] = {}  # warn message id -> when it was sent
    outcome, seen, i = Outcome(), 0, 0
    while True:
        await settle(world)
        sent = emu.sent(CHAT_ID)
        for message in sent[seen:]:
            asked = message.reply_to_message.message_id if message.reply_to_message else None
            if asked in warns:
                outcome.latencies.append(clock.now() - warns.pop(asked))
            outcome.last_answer = clock.now() - START
        seen = len(sent)
        due = [t for t in (START + steps[i].at if i < len(steps) else None, clock.next_wake()) if t is not None]
        if not due:
            break
        clock.set(max(clock.now(), min(due)))
        while i < len(steps) and START + steps[i].at <= clock.now():
            step = steps[i]
            i += 1
            try:
                message = emu.send_message(CHAT_ID, step.user, step.text,
                                           reply_to=named.get(step.reply_to) if step.reply_to else None)
            except EmulatorError:  # muted: Telegram does not let them write
                continue
            if step.name:
                named[step.name] = message.message_id
            if step.name and step.name.startswith("warn"):
                warns[message.message_id] = clock.now()
    outcome.chat_messages = len(emu.sent(CHAT_ID))
    outcome.log_posts = len(emu.sent(LOG_CHAT_ID))
    outcome.report_posts = sum("🚩" in (m.text or "") for m in emu.sent(LOG_CHAT_ID))
    sends = [c for c in emu.calls("sendMessage") if str(c[1].get("chat_id")) in (str(CHAT_ID), str(LOG_CHAT_ID))]
    outcome.refused = len(sends) - outcome.chat_messages - outcome.log_posts
    outcome.latencies += [math.inf] * len(warns)  # never answered
    return outcome


async def run(name: str, seconds: float, budget: dict, workdir: Path) -> Outcome:
    db_path = workdir / f"{name}-{'on' if budget is DEFAULTS else 'off'}.db"
    archive = Archive(db_path)
    import_export(archive, sample_export_path(), channel_username="boris_again", progress=False)
    archive.db.conn.close()
    async with OfflineKeeper(db_path, embedder=FakeEmbedder(), clock=StillClock(START),
                             **{**QUIET, **budget}) as world:
        world.services.searcher.embed_pending()
        for uid in [*REPORTERS, *TARGETS]:
            world.emu.add_user(uid, f"Member{uid}", f"member{uid}", "ru", started=True)
            world.emu.set_member(CHAT_ID, uid, "member", joined_at=int(START) - 30 * 86400)
        world.emu.enforce_limits()
        return await play(world, script(name, seconds))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def seconds_text(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.1f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the abuse lasts")
    parser.add_argument("--scenarios", default="rules,search,report,all")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="keeper-abuse-"))
    rows = []
    for name in args.scenarios.split(","):
        before = await run(name, args.seconds, OFF, workdir)
        after = await run(name, args.seconds, DEFAULTS, workdir)
        rows.append((name, before, after))

    print(f"Admin /warn reply under abuse, {args.seconds:.0f} s of message time, through the emulator "
          f"(Telegram's limits on the shared clock); before = budget off, after = {DEFAULTS}")
    columns = [("admin reply median s", lambda o: seconds_text(statistics.median(o.latencies))),
               ("admin reply p95 s", lambda o: seconds_text(pct(o.latencies, 0.95))),
               ("chat messages", lambda o: o.chat_messages), ("report posts", lambda o: o.report_posts),
               ("log chat posts", lambda o: o.log_posts), ("429s", lambda o: o.refused),
               ("last chat message s", lambda o: f"{o.last_answer:.1f}")]
    print("before -> after")
    print(f"{'scenario':<9}{'warns':>6}" + "".join(f"{title:>22}" for title, _ in columns))
    for name, b, a in rows:
        print(f"{name:<9}{len(a.latencies):>6}" + "".join(f"{f'{cell(b)} -> {cell(a)}':>22}" for _, cell in columns))
    print("Latency is queueing in message time (the bot's own processing, a few ms, is bench/bot.py's);"
          " the log chat also gets each warn's audit entry.")


if __name__ == "__main__":
    asyncio.run(main())
