"""How a vote message is worded, fixed when the vote starts: its language and the names
and link it shows. The message is rendered again on every press and when the vote closes,
maybe after a restart, so these are stored beside the vote."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .store import immediate


@dataclass(frozen=True)
class VoteLabel:
    lang: str
    target_name: str  # safe HTML
    initiator_name: str  # safe HTML
    link: str  # to the voted message, or ""


class VoteLabels:
    def __init__(self, db: Database):
        self.db = db

    def save(self, vote_id: int, label: VoteLabel) -> None:
        with immediate(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO mod_vote_meta (vote_id, lang, target_name, initiator_name, link)"
                " VALUES (?, ?, ?, ?, ?)",
                [vote_id, label.lang, label.target_name, label.initiator_name, label.link])

    def get(self, vote_id: int) -> VoteLabel | None:
        row = self.db.execute("SELECT lang, target_name, initiator_name, link FROM mod_vote_meta"
                              " WHERE vote_id = ?", [vote_id]).fetchone()
        return VoteLabel(*row) if row else None
