"""Meaning: how close a text is to known spam and ham, by sentence embeddings.

Two views of the same labelled samples, both numpy only:
- a logistic regression on the embeddings (L2-regularised, class-balanced, fitted by
  Newton's method; refitted whenever samples change, a few milliseconds);
- the nearest spam and nearest ham sample by cosine, so one taught example catches its
  paraphrases at once, before it moves the regression much.

The embedder is injected: ``encode(list[str]) -> np.ndarray`` with L2-normalised rows.
A fitted state is immutable and swapped in one assignment, so a check running in one
thread never sees a half-trained model while another thread learns.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterable, Sequence

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Sample:
    text: str
    is_spam: bool


@dataclass(frozen=True)
class MeaningParams:
    """How the two views become log-odds:
    ``bias + scale * regression + similarity * (nearest spam cosine - nearest ham cosine)``.

    Chosen by leave-one-out runs on the starting samples with the default embedder
    (USE multilingual v3): there the regression's log-odds spread over about -4..+3 and
    the cosine gap over -0.4..+0.4, so both views weigh alike; the bias puts an
    ordinary message with one weak sign well below the lower threshold.
    """

    l2: float = 0.3  # regularisation of the regression
    scale: float = 1.0  # weight of the regression's log-odds
    similarity: float = 15.0  # weight of the cosine gap
    bias: float = -1.5
    iterations: int = 12  # Newton steps


@dataclass(frozen=True)
class Meaning:
    logit: float  # this view's log-odds, bias included
    regression: float  # the regression's log-odds, before scaling
    nearest_spam: tuple[str, float] | None  # (sample text, cosine)
    nearest_ham: tuple[str, float] | None


def starting_samples() -> list[Sample]:
    """The samples shipped with the package (see README.md beside samples.json)."""
    raw = resources.files(__package__).joinpath("samples.json").read_text(encoding="utf-8")
    return [Sample(m["text"], bool(m["spam"])) for m in json.loads(raw)["messages"]]


def normalise(text: str) -> str:
    """The form samples are compared and deduplicated in."""
    return " ".join(text.split()).casefold()


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression by Newton's method; returns (weights, bias).

    The bias is a constant feature of value ``_BIAS_FEATURE``, so its penalty is
    negligible and every Newton step solves ``(X'CX + l2 I) step = g``: directly when
    there are more samples than dimensions, else through the n x n system of the
    Woodbury identity (tens of times faster for a few hundred samples).
    """
    n, d = x.shape
    positives = max(int(y.sum()), 1)
    negatives = max(n - int(y.sum()), 1)
    sample_weight = np.where(y > 0, n / (2 * positives), n / (2 * negatives))
    xb = np.hstack([x.astype(np.float64), np.full((n, 1), _BIAS_FEATURE)])
    gram = xb @ xb.T if n <= d else None
    w = np.zeros(d + 1)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        gradient = xb.T @ (sample_weight * (p - y)) + l2 * w
        curvature = sample_weight * p * (1 - p)
        if gram is None:
            step = np.linalg.solve((xb.T * curvature) @ xb + l2 * np.eye(d + 1), gradient)
        else:
            s = np.sqrt(curvature)
            inner = l2 * np.eye(n) + s[:, None] * gram * s[None, :]
            step = (gradient - xb.T @ (s * np.linalg.solve(inner, s * (xb @ gradient)))) / l2
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1].astype(np.float32), float(w[-1] * _BIAS_FEATURE)


_BIAS_FEATURE = 10.0


@dataclass(frozen=True)
class _Fitted:
    texts: tuple[str, ...]
    labels: np.ndarray  # bool per sample
    vectors: np.ndarray  # (n, dim) float32, L2-normalised
    weights: np.ndarray | None  # regression; None until both classes have samples
    bias: float


class MeaningModel:
    """Samples, their embeddings and the regression fitted on them."""

    def __init__(self, encode: Encode, samples: Iterable[Sample] = (), params: MeaningParams | None = None):
        self.encode = encode
        self.params = params or MeaningParams()
        self._lock = threading.Lock()  # serialises learners; readers never wait
        self._fitted = _Fitted((), np.zeros(0, dtype=bool), np.zeros((0, 0), np.float32), None, 0.0)
        self.replace(list(samples))

    def __len__(self) -> int:
        return len(self._fitted.texts)

    def replace(self, samples: Sequence[Sample]) -> None:
        """Train from scratch on ``samples`` (later duplicates of a text win)."""
        latest = {normalise(s.text): s for s in samples if s.text.strip()}
        chosen = list(latest.values())
        vectors = self._encode([s.text for s in chosen])
        with self._lock:
            self._fitted = self._fit([s.text for s in chosen], np.array([s.is_spam for s in chosen], bool), vectors)

    def learn(self, text: str, is_spam: bool) -> None:
        """Add one sample (or relabel the same text) and refit."""
        if not text.strip():
            return
        vector = self._encode([text])
        key = normalise(text)
        with self._lock:
            old = self._fitted
            keep = [i for i, t in enumerate(old.texts) if normalise(t) != key]
            self._fitted = self._fit(
                [old.texts[i] for i in keep] + [text],
                np.append(old.labels[keep], is_spam),
                np.vstack([old.vectors[keep], vector]) if keep else vector,
            )

    def forget(self, text: str) -> bool:
        """Drop the sample with this text; True if there was one."""
        key = normalise(text)
        with self._lock:
            old = self._fitted
            keep = [i for i, t in enumerate(old.texts) if normalise(t) != key]
            if len(keep) == len(old.texts):
                return False
            self._fitted = self._fit([old.texts[i] for i in keep], old.labels[keep], old.vectors[keep])
            return True

    def judge(self, text: str) -> Meaning:
        """The meaning view of one text (encodes it once)."""
        return self.judge_vector(self._encode([text])[0])

    def judge_vector(self, vector: np.ndarray) -> Meaning:
        fitted, params = self._fitted, self.params
        regression = float(vector @ fitted.weights + fitted.bias) if fitted.weights is not None else 0.0
        sims = fitted.vectors @ vector if len(fitted.texts) else np.zeros(0)
        nearest = {}
        for label in (True, False):
            idx = np.flatnonzero(fitted.labels == label)
            if idx.size:
                best = idx[int(np.argmax(sims[idx]))]
                nearest[label] = (fitted.texts[best], float(sims[best]))
        spam, ham = nearest.get(True), nearest.get(False)
        closeness = (spam[1] if spam else 0.0) - (ham[1] if ham else 0.0)
        logit = params.bias + params.scale * regression + params.similarity * closeness
        return Meaning(logit, regression, spam, ham)

    @property
    def baseline(self) -> Meaning:
        """The meaning of a message without text (a photo without a caption)."""
        return Meaning(self.params.bias, 0.0, None, None)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._fitted.vectors.shape[1] if len(self) else 0), np.float32)
        return np.asarray(self.encode(texts), dtype=np.float32)

    def _fit(self, texts: list[str], labels: np.ndarray, vectors: np.ndarray) -> _Fitted:
        weights, bias = None, 0.0
        if labels.any() and not labels.all():
            weights, bias = fit_logistic(vectors, labels.astype(np.float64), self.params.l2, self.params.iterations)
        return _Fitted(tuple(texts), labels, np.ascontiguousarray(vectors, np.float32), weights, bias)
