"""Crash and concurrency harness: kill -9 during imports, two imports at once, readers beside.

    python bench/crash.py kills    [--runs 20] [--posts 2000] [--model fake] [--seed 1]
    python bench/crash.py points   [--posts 300]   # kill at each deterministic fault point
    python bench/crash.py writers  [--tries 10] [--posts 2000]
    python bench/crash.py readers  [--tries 6] [--posts 2000]
    python bench/crash.py live     [--runs 20] [--posts 2000]
    python bench/crash.py emulator [--runs 20] [--posts 300] [--window 2.5]

kills: each run imports a synthetic --posts export (built from the sample's posts, each
with a unique word) into a fresh database with `keeper import`, kills it with SIGKILL at
a random moment of a clean run's duration, runs the import again to the end, and audits:
posts lost, posts doubled (extra rows or versions), posts missing from full text (or
full-text rows of no post), posts or passages missing vectors, unfinished rows, and
whether the unique word of every post is found by full-text search.
points: the same, killing the process right after the Nth call of a function on the
write path (a placeholder row written, a full-text row written, progress recorded, a
batch written, passages split, vectors encoded), N drawn from a seeded generator.
writers: two `keeper import` of the same export started together on a fresh database:
one must import, the other say «another import is running (pid N)»; no tracebacks.
readers: `keeper search` (and `keeper stats`) in a loop beside an import into a new
database: errors, if any, are counted and shown.
live: the live write path (SearchService.ingest: Archive.write then embedding, as the bot
runs it for channel_post / edited_channel_post) in a child process fed a stream of posts,
album parts and edits, killed at random moments; each restart redelivers the updates not
yet confirmed (a batch of up to 10, a post and its edit among them), as Telegram does. Edits must give exactly one
version each. (Through the library, not the emulator: the emulator lives in the bot's
process and would die with it.)
emulator: the same stream posted (posts, albums, edits) through the Bot API emulator, run in
this process, at a steady pace while a real `keeper run` (fake model) polls it; the bot is
killed with SIGKILL at a random moment within --window seconds of its first getUpdates and
started again, --runs times, while the emulator keeps the unconfirmed updates as Telegram
does; the last run drains the queue (until the archive holds every post and every edit, or
60 s pass), is stopped with SIGTERM and the archive is audited like `live`'s. `blocked`:
the bot exited on its own, or not cleanly when stopped.
Prints, never asserts. tests/archive/test_crash.py runs a small `points` pass in the suite.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.sample import sample_export_path  # noqa: E402

BASE_DATE = 1_600_000_000
# Functions on the write path: what a kill right after them leaves uncommitted, and how
# many times an import of n posts in batches of b calls them.
FAULT_POINTS = {
    "archive.store.Archive._insert_post": ("a placeholder post row", lambda n, b: n),
    "archive.fts.index_post": ("a full-text row", lambda n, b: n),
    "archive.store.Archive._rebuild": ("a post's text, hash and full-text row", lambda n, b: n),
    "archive.store.Archive.write_many": ("a whole batch, before its progress", lambda n, b: -(-n // b)),
    "archive.importer._Progress.record": ("a batch and its progress, before COMMIT", lambda n, b: -(-n // b)),
    "archive.vectors.split_post": ("passages being split", lambda n, b: n),
    "archive.embeddings.FakeEmbedder.encode_passages": ("vectors being encoded", lambda n, b: 1),
}


def marker(i: int) -> str:
    """A word only post i has (letters only, so stemming leaves it whole)."""
    letters = "bcdfghjklmnpqrstvwxz"
    word = ""
    while True:
        i, r = divmod(i, len(letters))
        word += letters[r]
        if not i:
            return "zq" + word


def write_export(path: Path, n: int) -> list[int]:
    """A single-channel export of n posts cycled from the sample; returns their message ids."""
    sample = json.loads(sample_export_path().read_text(encoding="utf-8"))
    templates = [m for m in sample["messages"] if m.get("type") == "message"]
    messages = []
    for i in range(n):
        m = copy.deepcopy(templates[i % len(templates)])
        parts = m.get("text_entities") or [{"type": "plain", "text": m.get("text") or ""}]
        parts = parts + [{"type": "plain", "text": f"\n{marker(i + 1)}"}]
        m.update(id=i + 1, date_unixtime=str(BASE_DATE + 600 * i), text=parts, text_entities=parts)
        m.pop("edited_unixtime", None)
        m.pop("edited", None)
        messages.append(m)
    path.write_text(json.dumps({"name": "Crash test", "type": "public_channel", "id": 1394778475,
                                "messages": messages}, ensure_ascii=False), encoding="utf-8")
    return [m["id"] for m in messages]


# -- processes ------------------------------------------------------------------------------

def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}


def keeper(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "keeper.cli", *args], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def import_args(export: Path, db: Path, model: str) -> list[str]:
    return ["import", str(export), "--db", str(db), "--model", model]


def run_to_death(export: Path, db: Path, point: str, nth: int, batch_size: int, model: str) -> int:
    """Import in a child process that SIGKILLs itself right after the nth call of `point`;
    returns its exit code (-9 when it died there, 0 if the import ended first)."""
    child = subprocess.run([sys.executable, __file__, "child", str(export), str(db), point, str(nth),
                            str(batch_size), model], cwd=ROOT, env=_env(), capture_output=True, text=True)
    if child.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"the child failed otherwise ({child.returncode}): {child.stderr[-2000:]}")
    return child.returncode


def _child(export: str, db: str, point: str, nth: str, batch_size: str, model: str) -> None:
    import importlib

    from archive.embeddings import load_embedder
    from archive.importer import import_and_embed
    from archive.store import Archive

    module_name, owner_path, name = point, [], None
    while True:  # the longest importable prefix is the module; the rest are attributes
        try:
            owner = importlib.import_module(module_name)
            break
        except ModuleNotFoundError:
            module_name, _, attr = module_name.rpartition(".")
            owner_path.insert(0, attr)
    *path, name = owner_path
    for attr in path:
        owner = getattr(owner, attr)
    original, calls = getattr(owner, name), [0]

    def dying(*args, **kwargs):
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == int(nth):
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, dying)
    with Archive(db) as archive:
        import_and_embed(archive, export, load_embedder(model), batch_size=int(batch_size),
                         channel_username="crash_test", progress=False)


# -- the audit ------------------------------------------------------------------------------

def audit(db: Path, expected: list[int], model: str) -> dict:
    """What a finished import should hold, and what differs."""
    from archive.store import Archive
    from archive.upkeep import check

    with Archive(db, create=False) as archive:
        sql = archive.db.execute
        stored = [r[0] for r in sql("SELECT pp.message_id FROM post_parts pp JOIN posts p ON p.id = pp.post_id "
                                    "WHERE p.content_hash IS NOT NULL")]
        health = check(archive, model)
        unfound = 0
        for message_id in random.Random(0).sample(expected, min(50, len(expected))):
            word = marker(message_id)
            row = sql("SELECT COUNT(*) FROM posts_fts f JOIN posts p ON p.id = f.rowid "
                      "JOIN post_parts pp ON pp.post_id = p.id AND pp.message_id = ? "
                      "WHERE posts_fts MATCH ?", [message_id, f'"{word}"']).fetchone()[0]
            unfound += row != 1
        return {
            "lost": len(set(expected) - set(stored)),
            "doubled": (len(stored) - len(set(stored)) + max(0, archive.count() - len(set(stored)))
                        + sql("SELECT COUNT(*) FROM post_versions").fetchone()[0]),
            "no_fts": health.missing_text + health.stray_text + unfound,
            "no_vectors": health.unsplit + health.missing_vectors,
            "unfinished": health.placeholders
            + sql("SELECT COUNT(*) FROM imports WHERE status != 'done'").fetchone()[0],
        }


KEYS = ("lost", "doubled", "no_fts", "no_vectors", "unfinished", "blocked")


def _line(label: str, rows: list[dict]) -> str:
    keys = KEYS
    totals = {k: sum(r[k] for r in rows) for k in keys}
    bad = sum(any(r[k] for k in keys) for r in rows)
    return f"{label:<58}{len(rows):>5}{bad:>6}" + "".join(f"{totals[k]:>11}" for k in keys)


HEADER = f"{'':<58}{'runs':>5}{'bad':>6}" + "".join(f"{k:>11}" for k in KEYS)


def finish(export: Path, db: Path, expected: list[int], model: str) -> dict:
    """Run the import again to its end, then audit; `blocked` if the re-run itself failed."""
    done = keeper(*import_args(export, db, model))
    _, err = done.communicate()
    if done.returncode and not db.exists():
        return {"lost": len(expected), "doubled": 0, "no_fts": 0, "no_vectors": 0, "unfinished": 0, "blocked": 1}
    return {**audit(db, expected, model), "blocked": int(done.returncode != 0)}


# -- the modes ------------------------------------------------------------------------------

def kills(args) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        expected = write_export(export, args.posts)
        started = time.perf_counter()
        finish(export, Path(tmp) / "clean.db", expected, args.model)
        duration = time.perf_counter() - started
        print(f"{args.posts} posts, model {args.model}: a clean import + embed takes {duration:.1f}s "
              f"(process start included); kill moments drawn from [0.3s, {duration:.1f}s]")
        rows, killed = [], 0
        for run in range(args.runs):
            db = Path(tmp) / f"run{run}.db"
            child = keeper(*import_args(export, db, args.model))
            time.sleep(rng.uniform(0.3, duration))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                killed += 1
            child.communicate()
            rows.append(finish(export, db, expected, args.model))
        print(HEADER)
        print(_line(f"kill -9 at a random moment ({killed} killed)", rows))


def points(args) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        expected = write_export(export, args.posts)
        print(HEADER)
        for point, (what, calls) in FAULT_POINTS.items():
            rows = []
            for run in range(args.runs):
                db = Path(tmp) / f"{point}-{run}.db"
                nth = rng.randint(1, calls(args.posts, args.batch_size))
                killed = run_to_death(export, db, point, nth, args.batch_size, "fake") == -signal.SIGKILL
                rows.append({**finish(export, db, expected, "fake"), "killed": killed})
            print(_line(f"after {what} ({sum(r['killed'] for r in rows)} killed)", rows))


def writers(args) -> None:
    outcomes = {"one refused, one imported": 0, "both imported (no overlap)": 0, "other": 0}
    tracebacks = 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        expected = write_export(export, args.posts)
        for attempt in range(args.tries):
            db = Path(tmp) / f"two{attempt}.db"
            first = keeper(*import_args(export, db, args.model))
            second = keeper(*import_args(export, db, args.model))
            results = [(p.returncode, out, err) for p in (first, second) for out, err in [p.communicate()]]
            tracebacks += sum("Traceback" in err for _, _, err in results)
            codes = sorted(code for code, _, _ in results)
            refused = [err for code, _, err in results if code == 1 and "another import is running (pid " in err]
            if codes == [0, 1] and refused:
                outcomes["one refused, one imported"] += 1
            elif codes == [0, 0]:
                outcomes["both imported (no overlap)"] += 1
            else:
                outcomes["other"] += 1
                print("  unexpected:", [(c, e.strip().splitlines()[-1:]) for c, _, e in results])
            if attempt == 0 and refused:
                print("  the refusal reads:", refused[0].strip())
            rows.append({**audit(db, expected, args.model), "blocked": 0})
    print(f"two imports started together, {args.tries} tries: " + ", ".join(f"{k}: {v}" for k, v in outcomes.items())
          + f"; tracebacks: {tracebacks}")
    print(HEADER)
    print(_line("the database after both", rows))


def readers(args) -> None:
    errors, reads = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        write_export(export, args.posts)
        for attempt in range(args.tries):
            db = Path(tmp) / f"read{attempt}.db"
            writer = keeper(*import_args(export, db, args.model))
            while writer.poll() is None and not db.exists():
                time.sleep(0.01)
            while writer.poll() is None:
                for command in (["search", "модели", "--mode", "fts"], ["stats"]):
                    reader = keeper(*command, "--db", str(db))
                    _, err = reader.communicate()
                    reads += 1
                    if reader.returncode:
                        errors.append(err.strip().splitlines()[-1] if err.strip() else f"exit {reader.returncode}")
            writer.communicate()
    print(f"readers beside an import into a new database, {args.tries} imports: {reads} reads, "
          f"{len(errors)} errors" + (f" (first: {errors[0]})" if errors else ""))


# -- live ingest --------------------------------------------------------------------------------

LIVE_CHANNEL = -1001394778475
CONFIRM_EVERY = 10  # updates the bot handles between two getUpdates calls (which confirm them)


def live_stream(n: int) -> list[dict]:
    """Channel updates as the bot turns them into IncomingPost values: n posts (every tenth an
    album of three, the caption on its first part), and an edit of every seventh post later on."""
    stream, message_id, edits = [], 0, []
    for i in range(n):
        text = f"Пост номер {i} про модели и данные, {marker(i + 1)}"
        date = BASE_DATE + 600 * i
        if i % 10 == 9:
            first = message_id + 1
            for part in range(3):
                message_id += 1
                stream.append({"message_id": message_id, "date": date, "text": text if part == 0 else "",
                               "media_group_id": f"album{i}", "media": "photo", "post": i})
            edits.append({"message_id": first, "date": date, "text": text + " (исправлено)",
                          "media_group_id": f"album{i}", "media": "photo", "edit_date": date + 60, "post": i})
        else:
            message_id += 1
            stream.append({"message_id": message_id, "date": date, "text": text, "post": i})
            if i % 7 == 3:
                edits.append({"message_id": message_id, "date": date, "text": text + " (исправлено)",
                              "edit_date": date + 60, "post": i})
        if i % 50 == 49:
            stream += edits
            edits = []
    return stream + edits


def _live_child(db: str, stream_path: str, acked_path: str) -> None:
    """Ingest the stream from the first unconfirmed update, confirming each after it is stored."""
    from archive.embeddings import FakeEmbedder
    from archive.models import IncomingPost
    from archive.search import SearchService
    from archive.store import Archive

    stream = json.loads(Path(stream_path).read_text())
    acked = Path(acked_path)
    start = int(acked.read_text() or 0) if acked.exists() else 0
    with Archive(db) as archive:
        service = SearchService(archive, FakeEmbedder())
        for number in range(start, len(stream)):
            update = {k: v for k, v in stream[number].items() if k != "post"}
            service.ingest(IncomingPost(channel_id=LIVE_CHANNEL, source="live", **update))
            if (number + 1) % CONFIRM_EVERY == 0 or number + 1 == len(stream):
                # confirmed, as the next getUpdates confirms a batch: Telegram will not send these again
                acked.with_suffix(".tmp").write_text(str(number + 1))
                os.replace(acked.with_suffix(".tmp"), acked)


def live(args) -> None:
    rng = random.Random(args.seed)
    stream = live_stream(args.posts)
    edits = sum("edit_date" in u for u in stream)
    with tempfile.TemporaryDirectory() as tmp:
        stream_path = Path(tmp) / "stream.json"
        stream_path.write_text(json.dumps(stream, ensure_ascii=False))

        def child(db: Path, acked: Path) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, __file__, "live-child", str(db), str(stream_path), str(acked)],
                                    cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)

        started = time.perf_counter()
        clean = child(Path(tmp) / "clean.db", Path(tmp) / "clean.acked")
        clean.communicate()
        duration = time.perf_counter() - started
        print(f"live stream of {len(stream)} updates ({args.posts} posts, {edits} edits): {duration:.1f}s "
              f"uninterrupted; kill moments drawn from [0.3s, {duration:.1f}s]")
        rows, killed = [], 0
        for run in range(args.runs):
            db, acked = Path(tmp) / f"live{run}.db", Path(tmp) / f"live{run}.acked"
            process = child(db, acked)
            time.sleep(rng.uniform(0.3, duration))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed += 1
            process.communicate()
            process = child(db, acked)  # restarted: the unconfirmed updates come again
            _, err = process.communicate()
            rows.append(_live_audit(db, args.posts, edits, blocked=process.returncode != 0))
        print(HEADER)
        print(_line(f"kill -9 during live ingest ({killed} killed)", rows))


def _live_audit(db: Path, posts: int, edits: int, blocked: bool) -> dict:
    from archive.store import Archive
    from archive.upkeep import check

    with Archive(db, create=False) as archive:
        sql = archive.db.execute
        health = check(archive, "fake")
        stored = archive.count()
        versions = sql("SELECT COUNT(*) FROM post_versions").fetchone()[0]
        unfound = sum(sql("SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH ?",
                          [f'"{marker(i + 1)}"']).fetchone()[0] != 1 for i in range(0, posts, max(1, posts // 50)))
        return {"lost": max(0, posts - stored), "doubled": max(0, stored - posts) + abs(versions - edits),
                "no_fts": health.missing_text + health.stray_text + unfound,
                "no_vectors": health.unsplit + health.missing_vectors, "unfinished": health.placeholders,
                "blocked": int(blocked)}


# -- live ingest through the emulator ------------------------------------------------------------

async def _emulator(args) -> None:
    import asyncio

    from archive.store import Archive
    from sandbox.keeper import CHANNEL_ID, CHAT_ID, TOKEN, OfflineKeeper

    assert CHANNEL_ID == LIVE_CHANNEL
    rng = random.Random(args.seed)
    stream = live_stream(args.posts)
    edits = sum("edit_date" in u for u in stream)
    with tempfile.TemporaryDirectory() as tmp:
        db, log = Path(tmp) / "keeper.db", Path(tmp) / "bot.log"
        world = OfflineKeeper(db)
        emu = world.emu
        await emu.start()
        world.populate()
        env = {**{k: v for k, v in _env().items() if not k.startswith("KEEPER_")},
               "KEEPER_BOT_TOKEN": TOKEN, "KEEPER_TELEGRAM_API": emu.base_url,
               "KEEPER_CHANNEL_ID": str(CHANNEL_ID), "KEEPER_CHAT_ID": str(CHAT_ID), "KEEPER_DB": str(db),
               "KEEPER_EMBEDDING_MODEL": "fake", "KEEPER_SPAM_CHECK": "false", "KEEPER_DIGEST_ENABLED": "false"}

        async def start() -> tuple[subprocess.Popen, float]:
            """A `keeper run` and the seconds until its first getUpdates."""
            mark, started = emu.mark(), time.perf_counter()
            with log.open("a") as out:
                bot = subprocess.Popen([sys.executable, "-m", "keeper.cli", "run"], cwd=ROOT, env=env,
                                       stdout=out, stderr=subprocess.STDOUT)
            await emu.wait_for_call("getUpdates", since=mark, timeout=120)
            return bot, time.perf_counter() - started

        async def ended(bot: subprocess.Popen, timeout: float = 30) -> int | None:
            for _ in range(int(timeout / 0.05)):
                if bot.poll() is not None:
                    return bot.returncode
                await asyncio.sleep(0.05)
            return None

        async def post(interval: float) -> None:
            """The stream into the channel, one update every `interval` seconds."""
            ids = {}
            for update in stream:
                album = update.get("media_group_id")
                text = update["text"] or None
                if "edit_date" in update:
                    target = ids[update["message_id"]]
                    if album:
                        emu.edit_channel_post(CHANNEL_ID, target, caption=text)
                    else:
                        emu.edit_channel_post(CHANNEL_ID, target, text)
                elif album:
                    ids[update["message_id"]] = emu.post_to_channel(
                        CHANNEL_ID, caption=text, photo=True, media_group_id=album).message_id
                else:
                    ids[update["message_id"]] = emu.post_to_channel(CHANNEL_ID, text).message_id
                await asyncio.sleep(interval)

        def holds() -> tuple[int, int]:
            with Archive(db, create=False) as archive:
                return archive.count(), archive.db.execute("SELECT COUNT(*) FROM post_versions").fetchone()[0]

        blocked = killed = 0
        try:
            bot, startup = await start()
            # the stream lasts about as long as the kills: each run is a start-up and half a window
            interval = args.runs * (startup + args.window / 2) / len(stream)
            poster = asyncio.create_task(post(interval))
            began = time.perf_counter()
            for _ in range(args.runs):
                await asyncio.sleep(rng.uniform(0.1, args.window))
                if bot.poll() is None:
                    bot.send_signal(signal.SIGKILL)
                    killed += 1
                else:
                    blocked += 1
                await ended(bot)
                bot, _ = await start()
            await poster
            kills_took = time.perf_counter() - began
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                if not emu.updates.pending and holds() >= (args.posts, edits):
                    break
                await asyncio.sleep(0.25)
            drained = time.perf_counter() - began - kills_took
            left = len(emu.updates.pending)
            if bot.poll() is not None:
                blocked += 1
            bot.send_signal(signal.SIGTERM)
            if await ended(bot) != 0:
                blocked += 1
                bot.kill()
        finally:
            await emu.stop()
        row = _live_audit(db, args.posts, edits, blocked=False)
        row["blocked"] = blocked
        tracebacks = log.read_text(errors="replace").count("Traceback")
    print(f"`keeper run` against the emulator, stream of {len(stream)} updates ({args.posts} posts, {edits} edits) "
          f"one every {interval * 1000:.0f} ms; start-up {startup:.1f}s; kills within [0.1s, {args.window}s] of "
          f"the first getUpdates; {kills_took:.0f}s of kills, {drained:.1f}s to drain; {left} updates left "
          f"pending; {tracebacks} tracebacks in the bot's log")
    print(HEADER)
    print(_line(f"kill -9 of `keeper run` ({killed} killed)", [row]))


def emulator(args) -> None:
    import asyncio

    if args.posts == 2000:
        args.posts = 300
    asyncio.run(_emulator(args))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("child", "live-child"):
        (_child if sys.argv[1] == "child" else _live_child)(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["kills", "points", "writers", "readers", "live", "emulator"])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--model", default="fake")
    parser.add_argument("--batch-size", type=int, default=50, help="points only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=float, default=2.5,
                        help="emulator only: seconds after the bot's first getUpdates to kill it within")
    args = parser.parse_args()
    if args.mode == "points" and args.runs == 20:
        args.runs = 3
    {"kills": kills, "points": points, "writers": writers, "readers": readers, "live": live,
     "emulator": emulator}[args.mode](args)


if __name__ == "__main__":
    main()
