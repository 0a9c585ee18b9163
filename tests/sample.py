"""The sample channel export (../shared/corpus/channel_export.json) for tests."""
from __future__ import annotations

from archive.importer import import_and_embed, import_export
from archive.sample import sample_export_path
from archive.store import Archive

SAMPLE_EXPORT = sample_export_path()
CHANNEL_ID = -1001394778475
USERNAME = "boris_again"


def load_sample(archive: Archive, embedder=None) -> Archive:
    """Import the sample into `archive` with the real importer (and embed it, given an embedder)."""
    if embedder is None:
        import_export(archive, SAMPLE_EXPORT, channel_username=USERNAME, progress=False)
    else:
        import_and_embed(archive, SAMPLE_EXPORT, embedder, channel_username=USERNAME, progress=False)
    return archive


def sample_archive(path: str = ":memory:") -> Archive:
    return load_sample(Archive(path))


def post_id_of(archive: Archive, message_id: int) -> int:
    return archive.db.execute("SELECT post_id FROM post_parts WHERE message_id = ?", [message_id]).fetchone()[0]
