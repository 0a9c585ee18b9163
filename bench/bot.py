"""Bot latency through the emulator: /search update-to-reply p50/p95, and the sustained
reply rate with 20 users searching at once.

    python bench/bot.py [--rounds 40] [--users 20] [--model NAME]

The bot runs for real (aiogram over HTTP to the local Bot API emulator, polling), with
the sample export preloaded and the embedded default model (or --model). Start-up time
and idle memory of a real `keeper run` process: bench/startup.py. Latency is measured from the moment
the update is queued in the emulator to the moment the bot's reply is stored there.
Each user asks in private so the chat's flood rule does not interfere. The bot's own send
pacing (about 30 messages/s overall, as Telegram allows) caps the concurrent rate.
Prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from archive.sample import sample_export_path  # noqa: E402
from sandbox.terminal import preload  # noqa: E402
from sandbox.keeper import OfflineKeeper  # noqa: E402

QUERIES = ["leakage", "утечка смысла", "квантизация LLM", "AMA стрим", "опрос зарплаты",
           "segment anything", "шахматы трансформер", "reinforcement learning", "VILA", "Flux"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def one_search(world: OfflineKeeper, user_id: int, query: str) -> float:
    mark = world.emu.mark()
    started = time.perf_counter()
    world.emu.send_message(user_id, user_id, f"/search {query}")
    await world.emu.wait_for_sent(chat_id=user_id, since=mark, timeout=60)
    return (time.perf_counter() - started) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--per-user", type=int, default=5)
    parser.add_argument("--model", default=None, help="embedding model (default: the embedded multilingual one)")
    args = parser.parse_args()

    db_path = Path(tempfile.mkdtemp(prefix="keeper-bench-")) / "keeper.db"
    embedder = await preload(db_path, sample_export_path(), args.model)
    async with OfflineKeeper(db_path, embedder) as world:
        users = [5000 + i for i in range(args.users)]
        for uid in users:
            world.emu.add_user(uid, f"User{uid}", f"user{uid}", "ru", started=True)
        await one_search(world, users[0], "warm-up")

        sequential = [await one_search(world, users[0], QUERIES[i % len(QUERIES)])
                      for i in range(args.rounds)]

        started = time.perf_counter()
        per_user = args.per_user

        async def user_loop(uid: int) -> list[float]:
            return [await one_search(world, uid, QUERIES[(uid + i) % len(QUERIES)]) for i in range(per_user)]

        concurrent = [ms for batch in await asyncio.gather(*(user_loop(u) for u in users)) for ms in batch]
        elapsed = time.perf_counter() - started

    print(f"/search through the emulator (model {embedder.name}, {os.cpu_count()} cores)")
    print(f"{'scenario':<28}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'replies/s':>11}")
    print(f"{'one user, sequential':<28}{len(sequential):>5}{statistics.median(sequential):>10.1f}"
          f"{pct(sequential, 0.95):>10.1f}{1000 / statistics.mean(sequential):>11.1f}")
    print(f"{f'{args.users} users at once':<28}{len(concurrent):>5}{statistics.median(concurrent):>10.1f}"
          f"{pct(concurrent, 0.95):>10.1f}{len(concurrent) / elapsed:>11.1f}")


if __name__ == "__main__":
    asyncio.run(main())
