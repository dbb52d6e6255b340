"""`python -m evaluate.once`: score a sealed split once, and keep a record of when and against which index it was
scored (eval/scorings.jsonl), so that a second scoring is visible to everyone.

Usage: python -m evaluate.once --questions eval/blind6.jsonl [--split blind6] [--index DIR] [--again]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

from core import jsonl, layout
from core.errors import MythQAError
from evaluate.run import ROOT

LEDGER = ROOT / "eval" / "scorings.jsonl"


def scorings(ledger: Path = LEDGER) -> list[dict]:
    """Every recorded scoring, oldest first."""
    if not ledger.exists():
        return []
    return [row for _, row in jsonl.read(ledger, log=True).rows]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate.once", description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=Path, required=True, help="the sealed question file")
    p.add_argument("--split", help="the split to score (default: every split in the file)")
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--again", action="store_true", help="score a split that was scored before (recorded as such)")
    p.add_argument("--ledger", type=Path, default=LEDGER, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    from evaluate.report import table
    from evaluate.run import evaluate, load_questions
    from qa.engine import Engine

    try:
        digest = hashlib.sha256(args.questions.read_bytes()).hexdigest()
        questions = [q for q in load_questions(args.questions) if args.split in (None, q.split)]
        if not questions:
            raise ValueError(f"no questions of split {args.split!r} in {args.questions}")
        split = args.split or ",".join(dict.fromkeys(q.split for q in questions))
        before = [s for s in scorings(args.ledger) if s["split"] == split and s["questions_sha256"] == digest]
        if before and not args.again:
            last = before[-1]
            print(f"{split} was scored {len(before)} time(s) already, last on {last['scored_at']} against index {last['index_version']}"
                  f" (top-1 {last['top1']:.3f}); --again scores it once more, on the record.", file=sys.stderr)  # fmt: skip
            return 1
        engine = Engine.load(args.index)
    except (MythQAError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    reports = evaluate(engine, questions)
    whole = next(r for r in reports if r.split == "all")
    entry = {
        "split": split,
        "questions": str(args.questions),
        "questions_sha256": digest,
        "index_version": engine.version,
        "scored_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "time": len(before) + 1,
        **{k: round(getattr(whole, k), 3) for k in ("top1", "top3", "sentence", "any_sentence")},
        "refused": whole.refused,
        "answerable": whole.n_answerable,
        "out_of_scope_refused": f"{whole.abstained_out_of_scope}/{whole.n_out_of_scope}",
    }
    jsonl.append(args.ledger, entry)
    print(table(reports))
    print(f"\nRecorded in {args.ledger}: scoring number {entry['time']} of {split}.")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
