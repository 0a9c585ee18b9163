"""Retrieval quality on the sample export: MRR@10 and hit@5 for fts, dense and hybrid,
per model side by side, and the relevance floor on nonsense queries.

    python bench/retrieval.py [--models default,offline] [--queries bench/queries.json]
                              [--sweep] [--misses] [--calibrate]

Imports the sample into a temporary database, embeds it with each model, runs every
labelled query in each mode and prints one table (overall and per query language: ru,
en, cross). "hybrid (bot)" is what the bot, inline mode and `keeper search` run: hybrid
with the model's relevance floor. The floor check runs 20 nonsense strings (NONSENSE)
and counts those that return nothing, beside the labelled queries that still return
something (and those whose relevant post is still in the top 10).
`rel` in the queries file holds Telegram message ids (1701-1726). Prints, never asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from archive import fts, relevance  # noqa: E402
from archive.embeddings import load_embedder  # noqa: E402
from archive.importer import import_export  # noqa: E402
from archive.sample import sample_export_path  # noqa: E402
from archive.search import full_text, plan, search  # noqa: E402
from archive.store import Archive  # noqa: E402
from archive.vectors import VectorIndex, embed_pending  # noqa: E402

HERE = Path(__file__).resolve().parent


def nonsense(seed: int = 20240901) -> list[str]:
    """20 strings that mean nothing: 2 from the issue, 6 keyboard mashes, 6 random-letter
    strings (Latin, Cyrillic), 6 mixed scripts with digits; drawn once with a fixed seed."""
    rng = random.Random(seed)
    latin, cyrillic = "abcdefghijklmnopqrstuvwxyz", "абвгдежзийклмнопрстуфхцчшщъыьэюя"

    def word(letters: str) -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(4, 8)))

    mashes = ["asdfghjkl", "qwertyuiop zxcvbnm", "йцукенгшщз", "фывапролдж", "sdfsdf ghjghj", "ячсмить ывапр"]
    letters = [" ".join(word(latin) for _ in range(rng.randint(1, 3))) for _ in range(3)]
    letters += [" ".join(word(cyrillic) for _ in range(rng.randint(1, 3))) for _ in range(3)]
    mixed = ["".join(rng.choice(latin + cyrillic + "0123456789") for _ in range(rng.randint(6, 12)))
             for _ in range(6)]
    return ["qwkj zxv plmo", "xyzzyqwerty", *mashes, *letters, *mixed]


NONSENSE = nonsense()


def evaluate(archive, embedder, index, queries, mode, weights=None, show_misses=False, fusion="rsf",
             floored=False):
    rr, hits, per_lang = [], [], {}
    for item in queries:
        page = search(archive, item["q"], mode=mode, limit=10, embedder=embedder, index=index,
                      weights=weights, fusion=fusion, **({} if floored else {"floor": None}))
        got = [h.message_id for h in page.hits]
        rank = next((i for i, m in enumerate(got, 1) if m in item["rel"]), None)
        r = 1.0 / rank if rank else 0.0
        h = 1.0 if rank and rank <= 5 else 0.0
        rr.append(r)
        hits.append(h)
        lang = per_lang.setdefault(item.get("lang", "?"), ([], []))
        lang[0].append(r)
        lang[1].append(h)
        if show_misses and (rank is None or rank > 1):
            print(f"  [{mode}{' floor' if floored else ''}] {item['q']!r}: rel {item['rel']} rank {rank}; got {got[:5]}")
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    return mean(rr), mean(hits), {k: (mean(a), mean(b), len(a)) for k, (a, b) in per_lang.items()}


def floor_check(archive, embedder, index, queries) -> str:
    """Nonsense queries with no results; labelled queries with some, and with the relevant post."""
    empty = [q for q in NONSENSE if not search(archive, q, embedder=embedder, index=index).total]
    pages = [(item, search(archive, item["q"], embedder=embedder, index=index)) for item in queries]
    answered = sum(1 for _, page in pages if page.total)
    relevant = sum(1 for item, page in pages if any(h.message_id in item["rel"] for h in page.hits))
    shown = sorted(page.total for _, page in pages)
    leaked = [q for q in NONSENSE if q not in empty]
    return (f"nonsense with nothing {len(empty)}/{len(NONSENSE)}; labelled answered {answered}/{len(queries)}, "
            f"relevant in top 10 {relevant}/{len(queries)}; results per labelled query: median "
            f"{shown[len(shown) // 2]}, max {shown[-1]}" + (f"; leaked: {leaked}" if leaked else ""))


def calibrate(archive, embedder, index, queries) -> None:
    """Cosines of meaning-only hits: the labelled relevant ones and the rest, with and
    without word matches beside them, and as a share of the query's best cosine."""
    mids = dict(archive.db.execute("SELECT id, message_id FROM posts"))
    groups: dict[str, list[tuple[float, float, str]]] = {}
    for item in queries:
        p = plan(archive, item["q"])
        lexical = full_text(archive, p, [])
        qvec = embedder.encode_queries([p.query])[0]
        dense = index.search(qvec, k=100)
        top = dense[0].score if dense else 1.0
        side = "beside words" if lexical.whole else "alone"
        for h in dense:
            if h.post_id in lexical.scores:
                continue
            kind = "relevant" if mids[h.post_id] in item["rel"] else "other"
            groups.setdefault(f"{side:<13}{kind}", []).append((h.score, h.score / top, item["q"]))
    for q in NONSENSE:
        p = plan(archive, q)
        qvec = embedder.encode_queries([p.query])[0]
        dense = index.search(qvec, k=1)
        meaningful = relevance.meaningful(p.terms, embedder)
        groups.setdefault("nonsense top  " + ("MEANINGFUL" if meaningful else "gated"), []).append(
            (dense[0].score, 1.0, q))
    print(f"calibration for {embedder.name}: meaning-only hits, cosine (and share of the query's best)")
    for name, values in sorted(groups.items()):
        values.sort(reverse=True)
        cos = [v for v, _, _ in values]
        share = [r for _, r, _ in values]
        deciles = " ".join(f"{cos[int(i * (len(cos) - 1) / 10)]:.3f}" for i in range(11))
        print(f"  {name:<28} n={len(values):<4} cosine deciles high->low: {deciles}")
        if "relevant" in name:
            for v, r, q in values:
                print(f"      {v:.3f} ({r:.2f} of best)  {q}")
        elif "other" in name:
            print("      share of best, deciles: " + " ".join(f"{share[int(i * (len(share) - 1) / 10)]:.2f}"
                                                         for i in range(11)))
        floor = relevance.floor_for(embedder.name)
        if floor and "nonsense" not in name:
            cut = floor.alone if name.startswith("alone") else floor.beside
            kept = sum(1 for v, r, _ in values if v >= cut and r >= floor.ratio)
            print(f"      shown with the floor ({cut}, ratio {floor.ratio}): {kept}/{len(values)}")


def run_model(model: str | None, queries, args, langs) -> list[str]:
    embedder = load_embedder(model)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "bench.db")
        import_export(archive, Path(args.export) if args.export else sample_export_path(),
                      channel_username="boris_again", progress=False)
        started = time.perf_counter()
        encoded = embed_pending(archive, embedder)
        print(f"model {embedder.name}: {archive.count()} posts, {encoded} passages encoded "
              f"in {time.perf_counter() - started:.1f}s; {len(queries)} queries", flush=True)
        index = VectorIndex(embedder.name)
        index.refresh(archive.db)
        runs = [("fts", None, "rsf", False), ("fts (no families)", None, "rsf", False),
                ("dense", None, "rsf", False), ("hybrid", None, "rsf", False),
                ("hybrid (bot)", None, "rsf", True)]
        if args.sweep:
            runs += [("hybrid", {"fts": 1.0, "dense": w}, f, True) for f in ("rsf", "rrf") for w in (0.25, 0.5, 1.0)]
        for label, weights, fusion, floored in runs:
            fts.FAMILIES = "no families" not in label
            mrr, hit, per = evaluate(archive, embedder, index, queries, label.split()[0], weights,
                                     args.misses, fusion, floored)
            fts.FAMILIES = True
            if weights:
                label = f"hybrid {fusion} d={weights['dense']} (bot)"
            line = f"{embedder.name[:26]:<27}{label:<28}{mrr:>7.3f}{hit:>7.3f}"
            line += "".join(f"{per[lang][0]:>8.3f}" if lang in per else f"{'-':>8}" for lang in langs)
            lines.append(line)
        lines.append(f"{embedder.name[:26]:<27}floor: {floor_check(archive, embedder, index, queries)}")
        if args.calibrate:
            calibrate(archive, embedder, index, queries)
        archive.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default=str(HERE / "queries.json"))
    parser.add_argument("--models", default="default,offline",
                        help="comma-separated embedding models (default: the embedded default and MiniLM)")
    parser.add_argument("--export", default=None, help="the sample export (default: ../shared/corpus)")
    parser.add_argument("--sweep", action="store_true", help="also try other fusion weights")
    parser.add_argument("--misses", action="store_true", help="print queries whose best match is not first")
    parser.add_argument("--calibrate", action="store_true", help="print the cosines the relevance floor is set from")
    args = parser.parse_args()

    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))["queries"]
    langs = sorted({q.get("lang", "?") for q in queries})
    counts = {lang: sum(1 for q in queries if q.get("lang", "?") == lang) for lang in langs}
    lines = []
    for model in [m.strip() for m in args.models.split(",") if m.strip()]:
        lines += run_model(model, queries, args, langs)
    header = f"{'model':<27}{'mode':<28}{'MRR@10':>7}{'hit@5':>7}" + "".join(
        f"{f'{lang} ({counts[lang]})':>8}" for lang in langs)
    print()
    print("MRR@10 per query language in the last columns")
    print(header)
    print("-" * len(header))
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
