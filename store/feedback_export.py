"""The votes as files: every vote as CSV, and 'right answer' votes as eval/questions.jsonl rows (`python -m store.feedback export`)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TextIO

from core import jsonl, settings
from store.db import ERRORS
from store.votes import FEEDBACK_KIND, FEEDBACK_SPLIT, FeedbackStore, Vote, db_path

CSV_FIELDS = ("id", "created_at", "verdict", "comment", "question", "answered", "sentences", "citations", "passage_ids", "index_version",
              "models", "profile")  # fmt: skip


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
    p = argparse.ArgumentParser(prog="python -m store.feedback", description="Export evaluator feedback collected by the chat app.")
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
    store = FeedbackStore(args.db or db_path(settings.load().index))
    where = store.db.where  # the file, or the PostgreSQL database when MYTHQA_DATABASE_URL is set
    if not store.db.exists():
        print(f"error: no feedback database at {where}; pass --db PATH or set MYTHQA_FEEDBACK_DB.", file=sys.stderr)
        return 2
    try:
        n = export(store, args.format, sys.stdout, args.split)
    except ERRORS as e:
        print(f"error: {where} is not a readable feedback database ({' '.join(str(e).split())}).", file=sys.stderr)
        return 2
    print(f"{n} row(s) exported from {where}.", file=sys.stderr)
    return 0
