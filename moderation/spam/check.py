"""The spam check: a message's meaning plus its signs -> a score, the reasons, an action.

    spam = SpamFilter(encode, SampleStore(db))       # trains on the starting + learned samples
    verdict = spam.check(MessageFacts(text=...), now)  # ~ one encode; run it off the event loop
    spam.learn(text, is_spam=True, now=now, added_by=admin_id)  # stored and in effect at once

``score = sigmoid(meaning log-odds + sum of sign weights)``; the newcomer window
(:func:`should_check`) decides whether a message is checked at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from .model import Encode, MeaningModel, MeaningParams, Sample, normalise, starting_samples
from .policy import SpamAction, SpamSettings, decide
from .signs import MessageFacts, Reason, Sign, SignRules, read_signs
from .store import LearnedSample, SampleStore


@dataclass(frozen=True)
class Verdict:
    score: float  # 0..1
    reasons: tuple[Reason, ...]  # what pushed the score up, strongest first
    action: SpamAction


class SpamFilter:
    """Starting samples + samples taught by admins (stored when a store is given)."""

    def __init__(self, encode: Encode, store: SampleStore | None = None, *,
                 settings: SpamSettings | None = None, params: MeaningParams | None = None,
                 rules: SignRules | None = None, samples: Iterable[Sample] | None = None):
        self.store = store
        self.settings = settings or SpamSettings()
        self.rules = rules or SignRules()
        self._starting = list(starting_samples() if samples is None else samples)
        learned = [s.sample for s in store.all()] if store else []
        self.model = MeaningModel(encode, self._starting + learned, params)

    def check(self, facts: MessageFacts, now: float) -> Verdict:
        """Score one message (its text or caption and facts); reads nothing else."""
        text = (facts.text or "").strip()
        meaning = self.model.judge(text) if text else self.model.baseline
        reasons = read_signs(facts, now, self.rules)
        logit = meaning.logit + sum(r.weight for r in reasons)
        params = self.model.params
        regression = params.scale * meaning.regression
        if regression > 0:
            reasons.append(Reason(Sign.LOOKS_LIKE_SPAM, regression))
        if meaning.nearest_spam:
            gap = meaning.nearest_spam[1] - (meaning.nearest_ham[1] if meaning.nearest_ham else 0.0)
            if gap > 0:
                reasons.append(Reason(Sign.SIMILAR_TO_SPAM, params.similarity * gap, meaning.nearest_spam[0]))
        score = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
        ranked = tuple(sorted((r for r in reasons if r.weight > 0), key=lambda r: -r.weight))
        return Verdict(score, ranked, decide(score, self.settings))

    def learn(self, text: str, is_spam: bool, now: float, *, added_by: int | None = None,
              source: str = "") -> LearnedSample | None:
        """Teach one sample: stored (if there is a store) and used by the next check.
        Returns the stored row, or None without a store or for an empty text."""
        if not text.strip():
            return None
        stored = self.store.add(text, is_spam, now, added_by=added_by, source=source) if self.store else None
        self.model.learn(text, is_spam)
        return stored

    def forget(self, sample_id: int) -> bool:
        """Undo a teaching: the sample leaves the store and the model (a starting sample
        with the same text takes its place again)."""
        removed = self.store.remove(sample_id) if self.store else None
        if removed is None:
            return False
        self.model.forget(removed.text)
        key = normalise(removed.text)
        for sample in self._starting:
            if normalise(sample.text) == key:
                self.model.learn(sample.text, sample.is_spam)
        return True
