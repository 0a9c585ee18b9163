"""The sample export written into an archive for the search tests (real importer when present)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from archive import text as textlib
from archive.models import IncomingPost
from archive.store import Archive

REPO = Path(__file__).resolve().parents[2]
SAMPLE_EXPORT = Path(os.environ.get("KEEPER_SAMPLE_EXPORT") or REPO.parent / "shared" / "corpus" / "channel_export.json")
if not SAMPLE_EXPORT.exists():
    SAMPLE_EXPORT = Path("/work/shared/corpus/channel_export.json")
SAMPLE_CHANNEL_ID = -1001394778475
SAMPLE_USERNAME = "boris_again"


def load_sample(archive: Archive, path: Path = SAMPLE_EXPORT) -> Archive:
    """Write the sample export's posts into `archive` (the real importer when it exists)."""
    try:
        from archive.importer import import_export
    except ImportError:
        import_export = None
    if import_export is not None:
        import_export(archive, path, channel_username=SAMPLE_USERNAME)
        return archive
    data = json.loads(path.read_text(encoding="utf-8"))
    archive.set_channel(SAMPLE_CHANNEL_ID, data.get("name"), SAMPLE_USERNAME)
    posts = []
    for m in data["messages"]:
        if m.get("type") != "message":
            continue
        text, entities = textlib.from_export_parts(m.get("text", ""), m.get("text_entities"))
        posts.append(IncomingPost(channel_id=SAMPLE_CHANNEL_ID, message_id=m["id"],
                                  date=int(m["date_unixtime"]), text=text, entities=entities,
                                  forwarded_from=m.get("forwarded_from"), source="export"))
    archive.write_many(posts)
    return archive


def post_id_of(archive: Archive, message_id: int) -> int:
    row = archive.db.execute("SELECT post_id FROM post_parts WHERE message_id = ?", [message_id]).fetchone()
    return row[0]
