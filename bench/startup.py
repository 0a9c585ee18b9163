"""A real `keeper run` process: start-up seconds and idle memory, per embedding model.

    python bench/startup.py [--models offline,default] [--tree PATH ...] [--rounds 3]

For each model of this tree (and, with `--tree /path/to/old/checkout`, an older version's
`keeper run` with its own default model beside it), a database with the sample export,
embedded for that model, is prepared in a child process; then `python -m keeper.cli run`
(or the older tree's `archive.cli run`) is started against the local Bot API emulator (a real
subprocess, real HTTP, polling).
Prints the seconds from process start to its first getUpdates call (wall clock, and the
CPU seconds the process used until then: the wall clock depends on how loaded the shared
machine is), the seconds its first
/search takes to answer, and its resident memory (VmRSS) one second after that answer:
the idle bot that has searched once. Medians over --rounds. Prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sandbox.keeper import CHANNEL_ID, CHAT_ID, LOG_CHAT_ID, TOKEN, OfflineKeeper  # noqa: E402

USER = 5001


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def model_env(model: str) -> dict:
    """The environment for a model name ("default", "own": the tree's own default)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEPER_")}
    if model not in ("default", "own"):
        env["KEEPER_EMBEDDING_MODEL"] = model
    return env


def entry_module(tree: Path) -> str:
    """The tree's command line: `keeper.cli`, or `archive.cli` in trees older than keeper/."""
    return "keeper.cli" if (tree / "keeper" / "cli.py").exists() else "archive.cli"


def prepare(tree: Path, model: str | None, folder: Path) -> Path:
    """The sample export imported and embedded by the tree's own `import` command."""
    path = folder / f"keeper-{tree.name}-{model or 'default'}.db"
    if not path.exists():
        from archive.sample import sample_export_path
        command = [sys.executable, "-m", entry_module(tree), "import", str(sample_export_path()),
                   "--db", str(path), "--channel-username", "boris_again"]
        if model not in ("default", "own"):
            command += ["--model", model]
        subprocess.run(command, cwd=tree, env={**model_env(model), "PYTHONPATH": str(tree)},
                       check=True, stdout=subprocess.DEVNULL)
    return path


async def one_run(tree: Path, model: str | None, db: Path) -> tuple[float, float, float, float]:
    world = OfflineKeeper(db)
    await world.emu.start()
    try:
        world.populate()
        world.emu.add_user(USER, "Bench", "bench_user", "ru", started=True)
        env = {**model_env(model), "PYTHONPATH": str(tree), "KEEPER_BOT_TOKEN": TOKEN,
               "KEEPER_TELEGRAM_API": world.emu.base_url, "KEEPER_CHANNEL_ID": str(CHANNEL_ID),
               "KEEPER_CHANNEL_USERNAME": "boris_again", "KEEPER_CHAT_ID": str(CHAT_ID),
               "KEEPER_LOG_CHAT_ID": str(LOG_CHAT_ID), "KEEPER_DB": str(db), "KEEPER_SEARCH_THROTTLE_SECONDS": "0"}
        mark = world.emu.mark()
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", entry_module(tree), "run"], cwd=tree, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await world.emu.wait_for_call("getUpdates", since=mark, timeout=300)
            startup = time.perf_counter() - started
            startup_cpu = cpu_seconds(child.pid)
            mark = world.emu.mark()
            asked = time.perf_counter()
            world.emu.send_message(USER, USER, "/search шахматы")
            await world.emu.wait_for_sent(chat_id=USER, since=mark, timeout=300)
            first_search = time.perf_counter() - asked
            await asyncio.sleep(1.0)  # let the answer's work settle: the idle bot
            memory = rss_mb(child.pid)
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        return startup, startup_cpu, first_search, memory
    finally:
        await world.emu.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="offline,default",
                        help="comma-separated: offline (MiniLM), default (the embedded multilingual model), ...")
    parser.add_argument("--tree", action="append", default=[], help="also run this source tree's keeper")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = [ROOT] + [Path(t).resolve() for t in args.tree]
    rows = []
    with tempfile.TemporaryDirectory(prefix="keeper-startup-") as tmp:
        for tree in trees:
            models = [m.strip() for m in args.models.split(",") if m.strip()] if tree == ROOT else ["own"]
            for model in models:
                db = prepare(tree, model, Path(tmp))
                runs = [await one_run(tree, model, db) for _ in range(args.rounds)]
                rows.append((tree, model, [statistics.median(column) for column in zip(*runs)]))
                print(f"measured {tree} {model}: {runs}", flush=True)
    print(f"\n`keeper run` against the emulator, medians of {args.rounds} ({os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"{'tree':<28}{'model':<12}{'start-up s':>11}{'(CPU s)':>8}{'first /search s':>16}{'idle RSS MB':>12}")
    for tree, model, (startup, cpu, first, memory) in rows:
        print(f"{str(tree)[-27:]:<28}{model:<12}{startup:>11.1f}{cpu:>8.1f}{first:>16.2f}{memory:>12.0f}")
    print("target with the default model: start-up <= 5 s, idle RSS <= 300 MB")


if __name__ == "__main__":
    asyncio.run(main())
