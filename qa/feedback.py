"""Evaluator feedback on answers: a small SQLite store and `python -m qa.feedback export [--format csv|jsonl]`."""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from core import jsonl
from core.sqlite import connect
from qa.types import Answer

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
    "review": "TEXT NOT NULL DEFAULT ''",  # '' waiting, or one of REVIEWS (qa.review)
}
REVIEWS = ("accepted", "dismissed")
CSV_FIELDS = (
    "id",
    "created_at",
    "verdict",
    "comment",
    "question",
    "answered",
    "sentences",
    "citations",
    "passage_ids",
    "index_version",
    "models",
    "profile",
)


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


def default_db_path(index_dir: Path) -> Path:
    """The feedback database lives beside the index folder, never inside it (ingestion replaces that)."""
    return Path(index_dir).resolve().parent / "feedback.sqlite3"


def db_path(index_dir: Path, environ=os.environ) -> Path:
    """MYTHQA_FEEDBACK_DB, else ``default_db_path(index_dir)``; the operator token and the conversations sit beside it."""
    return Path(environ.get("MYTHQA_FEEDBACK_DB") or default_db_path(index_dir))


def _setup(con) -> None:
    """The table, and the columns added after the first release (older databases gain them on first use)."""
    con.execute(_SCHEMA)
    have = {r[1] for r in con.execute("PRAGMA table_info(feedback)")}
    for name, definition in _ADDED.items():
        if name not in have:
            con.execute(f"ALTER TABLE feedback ADD COLUMN {name} {definition}")


class FeedbackStore:
    """Votes in one SQLite file; one connection per call, so any thread (Streamlit session) may use it."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextlib.contextmanager
    def _connect(self):
        """A connection that commits on success and is always closed (core.sqlite: WAL, waiting writers)."""
        con = connect(self.path, _setup)
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
        row = (
            answer_id,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
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
        with self._connect() as con:
            new = con.execute("SELECT 1 FROM feedback WHERE answer_id = ?", (answer_id,)).fetchone() is None
            con.execute(
                "INSERT INTO feedback (answer_id, created_at, verdict, comment, question, answered, sentences, passages, index_version,"
                " models, profile, understood_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(answer_id) DO UPDATE SET"
                " created_at = excluded.created_at, verdict = excluded.verdict, comment = excluded.comment",
                row,
            )
            return new

    def votes(self) -> list[Vote]:
        """All votes, oldest first."""
        if not self.path.exists():
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
        if review not in ("", *REVIEWS):
            raise ValueError(f"Unknown review {review!r}; use one of {', '.join(REVIEWS)}.")
        with self._connect() as con:
            return con.execute("UPDATE feedback SET review = ? WHERE id = ? AND review = ?", (review, vote_id, was)).rowcount == 1


def gold_rows(votes: list[Vote], split: str = FEEDBACK_SPLIT) -> list[dict]:
    """'Right answer' votes as eval/questions.jsonl rows; the answer sentences become the gold snippets.

    A question voted right more than once keeps its latest vote.
    """
    latest: dict[str, Vote] = {}
    for v in votes:
        if v.verdict == "right" and v.answered and v.sentences:
            latest[" ".join(v.question.split()).casefold()] = v
    return [
        {
            "id": f"fb{v.id:04d}",
            "question": v.question,
            "gold": list(v.sentences),
            "kind": FEEDBACK_KIND,
            "out_of_scope": False,
            "split": split,
        }
        for v in sorted(latest.values(), key=lambda v: v.id)
    ]


def export(store: FeedbackStore, fmt: str, out: TextIO, split: str = FEEDBACK_SPLIT) -> int:
    """Write votes to ``out``: csv = every vote; jsonl = 'right answer' votes in eval/questions.jsonl format.

    Returns the number of rows written.
    """
    votes = store.votes()
    if fmt == "jsonl":
        rows = gold_rows(votes, split)
        for row in rows:
            out.write(jsonl.dumps(row) + "\n")
        return len(rows)
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for v in votes:
        writer.writerow(
            {
                "id": v.id,
                "created_at": v.created_at,
                "verdict": v.verdict,
                "comment": v.comment,
                "question": v.question,
                "answered": int(v.answered),
                "sentences": json.dumps(list(v.sentences), ensure_ascii=False),
                "citations": " | ".join(p["citation"] for p in v.passages),
                "passage_ids": " ".join(str(p.get("uid") or p["chunk_id"]) for p in v.passages),
                "index_version": v.index_version,
                "models": ",".join(v.models),
                "profile": v.profile,
            }
        )
    return len(votes)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qa.feedback", description="Export evaluator feedback collected by the chat app.")
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="print the votes to standard output")
    ex.add_argument(
        "--format", choices=("csv", "jsonl"), default="csv", help="csv: every vote; jsonl: 'right answer' votes as eval questions"
    )
    ex.add_argument(
        "--db", type=Path, default=None, help="feedback database (default: $MYTHQA_FEEDBACK_DB or feedback.sqlite3 beside index/)"
    )
    ex.add_argument("--split", default=FEEDBACK_SPLIT, help=f"split written into jsonl rows (default {FEEDBACK_SPLIT})")
    args = p.parse_args(argv)
    db = args.db or db_path(Path(os.environ.get("MYTHQA_INDEX") or "index"))
    if not db.exists():
        print(f"error: no feedback database at {db}; pass --db PATH or set MYTHQA_FEEDBACK_DB.", file=sys.stderr)
        return 2
    try:
        n = export(FeedbackStore(db), args.format, sys.stdout, args.split)
    except sqlite3.DatabaseError as e:
        print(f"error: {db} is not a readable feedback database ({e}).", file=sys.stderr)
        return 2
    print(f"{n} row(s) exported from {db}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
