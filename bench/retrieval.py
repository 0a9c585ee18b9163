"""Retrieval quality on the sample export: MRR@10 and hit@5 for fts, dense and hybrid.

    python bench/retrieval.py [--queries bench/queries.json] [--model offline] [--sweep]

Imports the sample into a temporary database, embeds it with the model, runs every
labeled query in each mode and prints a table (overall and per query language).
`rel` in the queries file holds Telegram message ids (1701-1726). Prints, never asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from archive.sample import sample_export_path  # noqa: E402
from archive.embeddings import load_embedder, similarity_floor  # noqa: E402
from archive.importer import import_export  # noqa: E402
from archive.search import search  # noqa: E402
from archive.store import Archive  # noqa: E402
from archive.vectors import VectorIndex, embed_pending  # noqa: E402

HERE = Path(__file__).resolve().parent


def evaluate(archive, embedder, index, queries, mode, weights=None, show_misses=False, fusion="rsf",
             floored=False):
    rr, hits, per_lang = [], [], {}
    for item in queries:
        floor = similarity_floor(embedder.name, item["q"]) if floored else None
        page = search(archive, item["q"], mode=mode, limit=10, embedder=embedder, index=index,
                      weights=weights, fusion=fusion, min_dense_score=floor)
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
            print(f"  [{mode}] {item['q']!r}: rel {item['rel']} rank {rank}; got {got[:5]}")
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    return mean(rr), mean(hits), {k: (mean(a), mean(b), len(a)) for k, (a, b) in per_lang.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default=str(HERE / "queries.json"))
    parser.add_argument("--model", default=None, help="embedding model (default: $KEEPER_EMBEDDING_MODEL or offline)")
    parser.add_argument("--export", default=None, help="the sample export (default: ../shared/corpus)")
    parser.add_argument("--sweep", action="store_true", help="also try other fusion weights")
    parser.add_argument("--misses", action="store_true", help="print queries whose best match is not first")
    args = parser.parse_args()

    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))["queries"]
    embedder = load_embedder(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "bench.db")
        import_export(archive, Path(args.export) if args.export else sample_export_path(),
                      channel_username="boris_again", progress=False)
        started = time.perf_counter()
        encoded = embed_pending(archive, embedder)
        print(f"model {embedder.name}: {archive.count()} posts, {encoded} passages encoded "
              f"in {time.perf_counter() - started:.1f}s; {len(queries)} queries")
        index = VectorIndex(embedder.name)
        index.refresh(archive.db)
        langs = sorted({q.get("lang", "?") for q in queries})
        header = f"{'mode':<22}{'MRR@10':>8}{'hit@5':>8}" + "".join(f"{'MRR ' + lang:>11}" for lang in langs)
        print(header)
        print("-" * len(header))
        runs = [("fts", None, "rsf"), ("dense", None, "rsf"), ("hybrid", None, "rsf")]
        if args.sweep:
            runs += [("hybrid", {"fts": 1.0, "dense": w}, f) for f in ("rsf", "rrf") for w in (0.25, 0.5, 1.0)]
        # What the bot runs: hybrid with the model's floor for dense-only hits.
        runs.insert(3, ("hybrid+floor (bot)", None, "rsf"))
        for mode, weights, fusion in runs:
            mrr, hit, per = evaluate(archive, embedder, index, queries, mode.split("+")[0], weights,
                                     args.misses, fusion, floored=mode.endswith("(bot)"))
            label = mode if not weights else f"hybrid {fusion} d={weights['dense']}"
            line = f"{label:<22}{mrr:>8.3f}{hit:>8.3f}"
            line += "".join(f"{per[lang][0]:>7.3f} n={per[lang][2]:<2}" for lang in langs)
            print(line)
        archive.close()


if __name__ == "__main__":
    main()
