"""Evaluator feedback on answers (the votes): a small SQLite store (or PostgreSQL: store.db) and its retention. Exported as files by
`python -m store.feedback export [--format csv|jsonl]` (store.feedback_export, which imports this store, never the reverse)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from core import settings
from qa.types import Answer
from store import background, db
from store.db import connect

VoteLimits = settings.VoteLimits  # how long and how many votes are kept: MYTHQA_VOTE_RETENTION_DAYS, MYTHQA_WAITING_VOTES_MAX

# Stored value -> the label evaluators see; the order is the order of the choices in the UI.
VERDICTS = {
    "right": "Right answer",
    "right_passage": "Wrong answer, but a right passage is among the sources",
    "wrong": "Wrong",
}
FEEDBACK_SPLIT = "heldout"  # real questions were never tuned on
FEEDBACK_KIND = "feedback"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    answer_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('right', 'right_passage', 'wrong')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    sentences TEXT NOT NULL,
    passages TEXT NOT NULL,
    index_version TEXT NOT NULL,
    models TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL DEFAULT ''
)
"""
# Columns added after the first release, with their definitions: older databases get them on first use.
_ADDED = {
    "models": "TEXT NOT NULL DEFAULT ''",
    "profile": "TEXT NOT NULL DEFAULT ''",
    "understood_as": "TEXT NOT NULL DEFAULT ''",  # a follow-up's standalone reading: what a reviewed question asks
    "review": "TEXT NOT NULL DEFAULT ''",  # '' waiting, or one of REVIEWS (evaluate.review)
}
REVIEWS = ("accepted", "dismissed")
_TIME = "%Y-%m-%dT%H:%M:%SZ"  # created_at: UTC, so that text order is time order
_BATCH = 500  # ids per UPDATE of a bulk review: well under SQLite's 999 bound parameters of older builds


@dataclass(frozen=True)
class Vote:
    """One stored vote; ``passages`` holds {rank, uid, text_sha256, chunk_id, citation, source, page, score} per source shown.

    ``uid`` is the stable passage id (kept across rebuilds); ``text_sha256`` tells whether that passage still reads
    the same; ``chunk_id`` is only the row in ``index_version``. ``models`` and ``profile`` say what answered.
    """

    id: int
    answer_id: str
    created_at: str
    verdict: str
    comment: str
    question: str
    answered: bool
    sentences: tuple[str, ...]
    passages: tuple[dict, ...]
    index_version: str
    models: tuple[str, ...] = ()
    profile: str = ""
    understood_as: str = ""
    review: str = ""


def db_path(index_dir: Path, environ=None) -> Path:
    """MYTHQA_FEEDBACK_DB, else ``feedback.sqlite3`` beside the index folder (core.settings: where data lives)."""
    return settings.load(environ).feedback_path(index_dir)


def _setup(con) -> None:
    """The SQLite table (PostgreSQL's is store/migrations), and the columns added after the first release (older files
    gain them on first use)."""
    con.execute(_SCHEMA)
    have = {r[1] for r in con.execute("PRAGMA table_info(feedback)")}
    for name, definition in _ADDED.items():
        if name not in have:
            con.execute(f"ALTER TABLE feedback ADD COLUMN {name} {definition}")


class FeedbackStore:
    """Votes in one SQLite file, or in PostgreSQL when MYTHQA_DATABASE_URL is set (store.db); one connection per call,
    so any thread (Streamlit session) or process sharing the database may use it.

    ``record`` waits for a busy store (the command line, tests); ``send`` never holds up the page (store.background). Each new
    vote applies ``limits``: old unaccepted votes and the oldest past the cap of unreviewed ones are removed.
    """

    NAME = "feedback store"

    def __init__(self, path: Path, limits: VoteLimits | None = None, writer: background.Writer | None = None):
        self.path = Path(path)
        self.db = db.at(self.path)
        self.limits = limits or settings.load()
        self.writer = writer or background.shared()

    @contextlib.contextmanager
    def _connect(self, busy: float | None = None):
        """A connection that commits on success and is always closed (store.db); ``busy``: the seconds a write waits for
        another writer's lock (default store.db's)."""
        con = connect(self.db, _setup)
        if busy is not None:
            self.db.dialect.wait(con, busy)
        try:
            with con:
                yield con
        finally:
            con.close()

    def record(
        self,
        answer_id: str,
        answer: Answer,
        verdict: str,
        comment: str,
        index_version: str,
        models: tuple[str, ...] = (),
        profile: str = "",
    ) -> bool:
        """Store a vote; a second vote on the same answer replaces the first (people change their minds).

        Returns True for a new vote, False when it replaced an earlier one.

        ``models`` and ``profile``: the model keys and the settings profile name that produced the answer.

        Raises:
            ValueError: ``verdict`` is not one of VERDICTS.
        """
        return self._store(_row(answer_id, answer, verdict, comment, index_version, models, profile))

    def send(
        self,
        answer_id: str,
        answer: Answer,
        verdict: str,
        comment: str,
        index_version: str,
        models: tuple[str, ...] = (),
        profile: str = "",
    ) -> background.Outcome:
        """``record`` without holding up the page: a busy store waits ``store_busy_seconds`` at most, then the vote is
        retried in the background (store.background).

        Returns:
            Whether the vote is saved, retrying, or not saved (read-only, failed).

        Raises:
            ValueError: ``verdict`` is not one of VERDICTS.
        """
        row = _row(answer_id, answer, verdict, comment, index_version, models, profile)
        busy = self.writer.settings.store_busy_seconds
        return self.writer.write(self.db.where, self.NAME, f"vote on answer {answer_id}", lambda: self._store(row, busy))

    def _store(self, row: tuple, busy: float | None = None) -> bool:
        with self._connect(busy) as con:
            new = con.execute("SELECT 1 FROM feedback WHERE answer_id = ?", (row[0],)).fetchone() is None
            con.execute(
                "INSERT INTO feedback (answer_id, created_at, verdict, comment, question, answered, sentences, passages, index_version,"
                " models, profile, understood_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(answer_id) DO UPDATE SET"
                " created_at = excluded.created_at, verdict = excluded.verdict, comment = excluded.comment",
                row,
            )
            if new:
                self._retain(con)
            return new

    def retain(self) -> int:
        """Apply ``limits`` now (each new vote does too); returns how many votes were removed."""
        with self._connect() as con:
            return self._retain(con)

    def _retain(self, con) -> int:
        """Remove unaccepted votes older than ``vote_retention_days``, then the oldest unreviewed past ``waiting_votes_max``."""
        removed, days, most = 0, self.limits.vote_retention_days, self.limits.waiting_votes_max
        if days > 0:
            cutoff = time.strftime(_TIME, time.gmtime(time.time() - days * 86400))
            removed += con.execute("DELETE FROM feedback WHERE review != 'accepted' AND created_at < ?", (cutoff,)).rowcount
        if most > 0:
            removed += con.execute(
                # every waiting vote from the (most + 1)-th newest back: written without LIMIT -1, which PostgreSQL refuses
                "DELETE FROM feedback WHERE review = '' AND id <= "
                "(SELECT id FROM feedback WHERE review = '' ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (most,),
            ).rowcount
        return removed

    def votes(self) -> list[Vote]:
        """All votes, oldest first."""
        if not self.db.exists():
            return []
        with self._connect() as con:
            rows = con.execute(
                "SELECT id, answer_id, created_at, verdict, comment, question, answered, sentences, passages, index_version, models,"
                " profile, understood_as, review FROM feedback ORDER BY id"
            ).fetchall()
        return [
            Vote(*r[:6], bool(r[6]), tuple(json.loads(r[7])), tuple(json.loads(r[8])), r[9], tuple(filter(None, r[10].split(","))), *r[11:])
            for r in rows
        ]

    def set_review(self, vote_id: int, review: str, was: str = "") -> bool:
        """Mark a vote reviewed as ``was`` (default: waiting) as ``review``; False when its review was no longer ``was``
        (another evaluator was first). ``review`` '' puts a vote back in the queue.

        Raises:
            ValueError: ``review`` is not '' or one of REVIEWS.
        """
        return self.set_reviews([vote_id], review, was) == 1

    def set_reviews(self, vote_ids: list[int], review: str, was: str = "") -> int:
        """``set_review`` for many votes in one transaction; returns how many were still ``was`` and are now ``review``.

        Raises:
            ValueError: ``review`` is not '' or one of REVIEWS.
        """
        if review not in ("", *REVIEWS):
            raise ValueError(f"Unknown review {review!r}; use one of {', '.join(REVIEWS)}.")
        changed, ids = 0, list(vote_ids)
        with self._connect() as con:
            for i in range(0, len(ids), _BATCH):
                batch = ids[i : i + _BATCH]
                changed += con.execute(
                    f"UPDATE feedback SET review = ? WHERE review = ? AND id IN ({','.join('?' * len(batch))})", (review, was, *batch)
                ).rowcount
        return changed


def _row(answer_id: str, answer: Answer, verdict: str, comment: str, index_version: str, models: tuple[str, ...], profile: str) -> tuple:
    """The feedback table's row for a vote (its columns in _store's order).

    Raises:
        ValueError: ``verdict`` is not one of VERDICTS.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"Unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}.")
    passages = [
        {
            "rank": p.rank,
            "uid": p.uid,
            "text_sha256": hashlib.sha256(p.text.encode("utf-8")).hexdigest(),
            "chunk_id": p.chunk_id,
            "citation": p.citation(),
            "source": p.source,
            "page": p.page,
            "score": round(p.score, 4),
        }
        for p in answer.passages
    ]
    return (
        answer_id,
        time.strftime(_TIME, time.gmtime()),
        verdict,
        comment.strip(),
        answer.question,
        int(answer.answered),
        json.dumps([s.text for s in answer.sentences], ensure_ascii=False),
        json.dumps(passages, ensure_ascii=False),
        index_version,
        ",".join(models),
        profile,
        answer.understood_as or "",
    )
