"""What the moderation tests share: quiet settings for the `keeper` fixture."""
from __future__ import annotations

import pytest

# Quiet defaults for tests: no background sweeps (tests call sweep), no accidental flood,
# no spam check judging the tests' made-up messages (test_spam.py turns it on), two votes decide.
QUIET = dict(votekick_sweep_seconds=3600, flood_messages=50, spam_check=False, votekick_threshold=2)
quiet = pytest.mark.settings(**QUIET)
