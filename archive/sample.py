"""Where the sample channel export lies: for the demo, the sandbox, tests and benches."""
from __future__ import annotations

import os
from pathlib import Path

SAMPLE_ENV = "KEEPER_SAMPLE_EXPORT"
SAMPLE_NAME = Path("shared") / "corpus" / "channel_export.json"


def sample_export_path() -> Path:
    """$KEEPER_SAMPLE_EXPORT, else ../shared/corpus/channel_export.json beside the project."""
    if os.environ.get(SAMPLE_ENV):
        return Path(os.environ[SAMPLE_ENV])
    repo = Path(__file__).resolve().parents[1]
    candidates = (repo.parent / SAMPLE_NAME, Path.cwd().parent / SAMPLE_NAME)
    return next((c for c in candidates if c.exists()), candidates[0])
