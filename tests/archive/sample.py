"""The sample channel export written into an in-memory archive (for the content tests)."""
from __future__ import annotations

import json
from pathlib import Path

from archive import text as textlib
from archive.models import IncomingPost
from archive.store import Archive

EXPORT = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "channel_export.json"
if not EXPORT.exists():
    EXPORT = Path("/work/shared/corpus/channel_export.json")
CHANNEL_ID = -1001394778475


def sample_messages() -> list[dict]:
    return [m for m in json.loads(EXPORT.read_text(encoding="utf-8"))["messages"]
            if m.get("type") != "service"]


def incoming(m: dict) -> IncomingPost:
    text, ents = textlib.from_export_parts(m["text"], m["text_entities"])
    return IncomingPost(channel_id=CHANNEL_ID, message_id=m["id"], date=int(m["date_unixtime"]),
                        text=text, entities=ents, source="export")


def sample_archive(path: str = ":memory:", username: str | None = "boris_again") -> Archive:
    archive = Archive(path)
    if username:
        archive.set_channel(CHANNEL_ID, "Boris again", username)
    for m in sample_messages():
        archive.write(incoming(m))
    return archive
