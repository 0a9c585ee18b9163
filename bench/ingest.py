"""Ingest throughput: importing + embedding an export vs the model's own bare encode.

    python bench/ingest.py [--posts 2000] [--model NAME] [--batch-size 64]

Writes a synthetic Telegram export of --posts posts built from the sample's lines (same
shape as bench/search.py), then times `archive.importer.import_and_embed`
into a fresh database, and, side by side, the model's bare encode over exactly the
passages that were embedded, in one call with no archive around it: for the default model
its forward pass (`encode_passages`; the package's own `USE().encode` adds a threadpoolctl
context that asks for 4 BLAS threads, which on this 2-core machine ran 6x slower), for a
sentence-transformers model `SentenceTransformer.encode` (same batch size). Prints posts/second and the ratio of the
two encoding rates (target >= 0.85). Prints, never asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from archive.sample import sample_export_path  # noqa: E402
from archive.embeddings import load_embedder  # noqa: E402
from archive.importer import import_and_embed  # noqa: E402
from archive.store import Archive  # noqa: E402
from search import sample_texts, synthetic_posts  # noqa: E402  (bench/search.py)


def write_export(path: Path, n: int) -> None:
    messages = []
    for post in synthetic_posts(n, sample_texts(sample_export_path()), seed=11):
        messages.append({"id": post.message_id, "type": "message", "date": "2020-09-13T12:00:00",
                         "date_unixtime": str(post.date), "from": "Synthetic", "from_id": "channel1394778475",
                         "text": post.text, "text_entities": [{"type": "plain", "text": post.text}]})
    path.write_text(json.dumps({"name": "Synthetic", "type": "public_channel", "id": 1394778475,
                                "messages": messages}, ensure_ascii=False), encoding="utf-8")


def bare_encode(embedder, batch_size: int):
    """The model's own encode, without the archive around it."""
    model = getattr(embedder, "model", None)
    if model is not None:  # sentence-transformers
        return lambda texts: model.encode([embedder.passage_prefix + t for t in texts], batch_size=batch_size,
                                          normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return embedder.encode_passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        write_export(export, args.posts)
        archive = Archive(Path(tmp) / "ingest.db")
        warm = sample_texts(sample_export_path())[:8]
        embedder.encode_passages(warm * 8)  # warm up the model before either timing
        started = time.perf_counter()
        report = import_and_embed(archive, export, embedder, channel_username="synthetic", progress=False,
                                  embed_batch_size=args.batch_size)
        done = time.perf_counter()
        imported = started + report.seconds
        encoded = report.passages_encoded
        texts = [r[0] for r in archive.db.execute(
            "SELECT MIN(text) FROM passages WHERE model = ? GROUP BY text_hash", [embedder.name])]
        bare = bare_encode(embedder, args.batch_size)
        bare(warm * 8)
        t = time.perf_counter()
        bare(texts)
        bare_s = time.perf_counter() - t
        archive.close()
    total = done - started
    embed_s = done - imported
    print(f"model {embedder.name}, {args.posts} synthetic posts, {report.posts} imported, "
          f"{encoded} passages encoded (batch {args.batch_size})")
    print(f"{'stage':<34}{'seconds':>9}{'posts/s':>10}{'passages/s':>12}")
    print(f"{'import (store + full text)':<34}{imported - started:>9.1f}{args.posts / (imported - started):>10.1f}")
    print(f"{'embed_pending (split + encode)':<34}{embed_s:>9.1f}{args.posts / embed_s:>10.1f}{encoded / embed_s:>12.1f}")
    print(f"{'import + embed':<34}{total:>9.1f}{args.posts / total:>10.1f}{encoded / total:>12.1f}")
    if bare_s:
        print(f"{'bare encode, same passages':<34}{bare_s:>9.1f}{args.posts / bare_s:>10.1f}{len(texts) / bare_s:>12.1f}")
        print(f"ratio embed_pending / bare encode (passages/s): {bare_s / embed_s:.2f}; "
              f"import + embed / bare encode: {bare_s / total:.2f}")


if __name__ == "__main__":
    main()
