"""Samples taught by admins, in the app's SQLite database (sqlite-utils).

The schema is the ``spam`` migration set (:data:`migrations`); the application applies
it where the database opens. One row per distinct text: teaching the same text again
relabels it. Writes go through :func:`moderation.store.immediate` (the house rule for
connections shared across threads).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database, Migrations

from moderation.store import immediate

from .model import Sample, normalise

migrations = Migrations("spam")


@migrations()
def m001_samples(db: Database) -> None:
    db["spam_samples"].create(
        {"id": int, "text": str, "key": str, "is_spam": int, "added_by": int, "source": str,
         "created_at": float},
        pk="id",
        not_null={"text", "key", "is_spam", "created_at"},
    )
    db["spam_samples"].create_index(["key"], unique=True)


@dataclass(frozen=True)
class LearnedSample:
    id: int
    text: str
    is_spam: bool
    added_by: int | None
    source: str  # what taught it, e.g. "command", "button"
    created_at: float

    @property
    def sample(self) -> Sample:
        return Sample(self.text, self.is_spam)


class SampleStore:
    def __init__(self, db: Database):
        self.db = db

    def add(self, text: str, is_spam: bool, now: float, *, added_by: int | None = None,
            source: str = "") -> LearnedSample:
        """Store (or relabel) a sample; returns the stored row."""
        key = normalise(text)
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO spam_samples (text, key, is_spam, added_by, source, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET text = excluded.text,"
                " is_spam = excluded.is_spam, added_by = excluded.added_by, source = excluded.source,"
                " created_at = excluded.created_at",
                [text, key, int(is_spam), added_by, source, now],
            )
            row = self.db.execute(f"SELECT {_COLUMNS} FROM spam_samples WHERE key = ?", [key]).fetchone()
        return _learned(row)

    def get(self, sample_id: int) -> LearnedSample | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM spam_samples WHERE id = ?", [sample_id]).fetchone()
        return _learned(row) if row else None

    def remove(self, sample_id: int) -> LearnedSample | None:
        """Delete a sample (an undone teaching); returns what was removed."""
        with immediate(self.db):
            found = self.get(sample_id)
            if found:
                self.db.execute("DELETE FROM spam_samples WHERE id = ?", [sample_id])
        return found

    def all(self) -> list[LearnedSample]:
        """Every stored sample, oldest first."""
        return [_learned(r) for r in self.db.execute(f"SELECT {_COLUMNS} FROM spam_samples ORDER BY id")]


_COLUMNS = "id, text, is_spam, added_by, source, created_at"


def _learned(row) -> LearnedSample:
    sample_id, text, is_spam, added_by, source, created_at = row
    return LearnedSample(sample_id, text, bool(is_spam), added_by, source or "", created_at)
