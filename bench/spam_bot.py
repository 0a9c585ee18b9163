"""The spam check inside the running bot: does checking newcomers hold up the bot's replies?

    python bench/spam_bot.py [--rounds 30] [--rates 2,10,50]

The bot runs for real against the Bot API emulator. While newcomers post ordinary messages
into the chat at a given rate (each one checked, none removed), a member asks /rules in
private `--rounds` times; the update-to-reply time is measured, and so is the event loop's
lag (how late a 5 ms timer fires). Side by side: no chat traffic, then at each rate the same
traffic with the spam check off and on. Prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from archive.embeddings import FakeEmbedder  # noqa: E402
from sandbox.keeper import CHAT_ID, OfflineKeeper  # noqa: E402

ASKER = 1001
NEWCOMERS = range(7000, 7100)
HAM = [m["text"] for m in json.loads((ROOT / "bench" / "spam_heldout.json").read_text())["messages"] if not m["spam"]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def ask_rules(world: OfflineKeeper) -> float:
    mark = world.emu.mark()
    started = time.perf_counter()
    world.emu.send_message(ASKER, ASKER, "/rules")
    await world.emu.wait_for_sent(chat_id=ASKER, since=mark, timeout=60)
    return (time.perf_counter() - started) * 1000


async def chatter(world: OfflineKeeper, rate: float, stop: asyncio.Event) -> int:
    """Newcomers write ordinary messages (each newcomer at most twice: under the newcomer window)."""
    sent = 0
    while not stop.is_set():
        user = NEWCOMERS[(sent // 2) % len(NEWCOMERS)]
        world.emu.send_message(CHAT_ID, user, HAM[sent % len(HAM)])
        sent += 1
        await asyncio.sleep(1 / rate)
    return sent


async def lag_probe(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - started) * 1000 - 5)


async def run(name: str, rounds: int, rate: float, **settings) -> tuple:
    db_path = Path(tempfile.mkdtemp(prefix="keeper-bench-")) / "keeper.db"
    async with OfflineKeeper(db_path, FakeEmbedder(), flood_messages=10_000, **settings) as world:
        for uid in NEWCOMERS:
            world.emu.add_user(uid, f"New{uid}", f"new{uid}", "ru")
        await ask_rules(world)  # warm-up
        stop, lags = asyncio.Event(), []
        probe = asyncio.create_task(lag_probe(stop, lags))
        traffic = asyncio.create_task(chatter(world, rate, stop)) if rate else None
        latencies = [await ask_rules(world) for _ in range(rounds)]
        stop.set()
        posted = await traffic if traffic else 0
        await probe
        await world.settle(timeout=120)
    return name, posted, latencies, lags


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rates", default="2,10,50", help="newcomer messages a second, comma-separated")
    args = parser.parse_args()
    results = [await run("no chat traffic", args.rounds, 0, spam_check=False)]
    for rate in (float(r) for r in args.rates.split(",")):
        for on in (False, True):
            results.append(await run(f"{rate:g} msg/s, check {'on' if on else 'off'}", args.rounds, rate,
                                     spam_check=on))
    print(f"/rules in private while newcomers write in the chat ({os.cpu_count()} cores)")
    print(f"{'run':<22}{'chat msgs':>10}{'reply p50':>11}{'p95':>8}{'loop lag p50':>14}{'p95':>7}{'max':>8}  (ms)")
    for name, posted, latencies, lags in results:
        print(f"{name:<22}{posted:>10}{statistics.median(latencies):>11.1f}{pct(latencies, 0.95):>8.1f}"
              f"{statistics.median(lags):>14.1f}{pct(lags, 0.95):>7.1f}{max(lags):>8.1f}")


if __name__ == "__main__":
    asyncio.run(main())
