"""The spam check's encoder: loaded once, and no text encoded twice."""
from __future__ import annotations

import numpy as np

from bot.spam_model import Remembering, load_encoder
from moderation.spam import SpamFilter


def test_the_filter_can_be_built_again_without_encoding_the_samples_again():
    seen: list[str] = []

    def encode(texts):
        seen.extend(texts)
        return load_encoder()(texts)

    remembering = Remembering(encode)
    first = SpamFilter(remembering)
    encoded = len(seen)
    assert encoded == len(first.model)  # each starting sample once
    SpamFilter(remembering)  # a restart
    assert len(seen) == encoded
    text = "Продаю RTX 3090, почти новая"
    np.testing.assert_allclose(remembering([text, text]), load_encoder()([text, text]), atol=1e-6)
    assert seen[encoded:] == [text]  # a repeated text in one batch is encoded once


def test_the_model_is_loaded_once_per_process():
    assert load_encoder() is load_encoder()
