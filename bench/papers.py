"""Paper recognition on the sample export: precision, recall and the misses.

Run: .venv/bin/python bench/papers.py [path/to/result.json] [labels.json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import text as textlib  # noqa: E402
from archive.models import IncomingPost  # noqa: E402
from archive.papers import THRESHOLD, recognise_paper, score_post  # noqa: E402
from archive.store import Archive  # noqa: E402

DEFAULT_EXPORT = ROOT.parent / "shared" / "corpus" / "channel_export.json"
DEFAULT_LABELS = Path(__file__).with_name("papers_labels.json")


def main(export: Path = DEFAULT_EXPORT, labels_path: Path = DEFAULT_LABELS) -> None:
    messages = json.loads(export.read_text(encoding="utf-8"))["messages"]
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    truth = {i: True for i in labels["papers"]} | {i: False for i in labels["not_papers"]}
    archive = Archive(":memory:")
    for m in messages:
        if m.get("type") == "service":
            continue
        text, ents = textlib.from_export_parts(m["text"], m["text_entities"])
        archive.write(IncomingPost(channel_id=-1001394778475, message_id=m["id"],
                                   date=int(m["date_unixtime"]), text=text, entities=ents, source="export"))
    tp = fp = fn = tn = 0
    rows = []
    for post in archive.posts(newest_first=False):
        if post.message_id not in truth:
            continue
        paper = recognise_paper(post)
        score, signals, _, _ = score_post(post)
        expected, got = truth[post.message_id], paper is not None
        tp += expected and got
        fp += got and not expected
        fn += expected and not got
        tn += not expected and not got
        if expected != got:
            rows.append((post.message_id, "missed" if expected else "false positive", score,
                         ",".join(signals), post.title[:60]))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print(f"posts labelled: {len(truth)}  papers: {tp + fn}  threshold: {THRESHOLD}")
    print(f"{'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'precision':>10} {'recall':>8}")
    print(f"{tp:>4} {fp:>4} {fn:>4} {tn:>4} {precision:>10.2f} {recall:>8.2f}")
    if rows:
        print("\nerrors:")
        for mid, kind, score, signals, title in rows:
            print(f"  {mid}  {kind:<15} score={score:<3} signals={signals}  {title!r}")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    main(*args)
