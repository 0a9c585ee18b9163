"""Newcomer anti-spam: a message's meaning (sentence embeddings) and signs -> a verdict.

Pure library: plain values in (text, facts, ``now``), plain values out; the embedder is
injected as ``encode(list[str]) -> np.ndarray`` with L2-normalised rows.
"""

from .check import SpamFilter, Verdict
from .model import Meaning, MeaningModel, MeaningParams, Sample, starting_samples
from .policy import SpamAction, SpamSettings, decide, is_newcomer, should_check
from .signs import MessageFacts, Reason, Sign, SignRules, read_signs
from .store import LearnedSample, SampleStore, migrations

__all__ = [
    "LearnedSample", "Meaning", "MeaningModel", "MeaningParams", "MessageFacts", "Reason", "Sample",
    "SampleStore", "Sign", "SignRules", "SpamAction", "SpamFilter", "SpamSettings", "Verdict", "decide",
    "is_newcomer", "migrations", "read_signs", "should_check", "starting_samples",
]
