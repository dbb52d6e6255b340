"""`python -m learn.tune`: cross-validate, save or evaluate a query model fine-tuned on question → gold sentence pairs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import layout
from core.errors import MythQAError
from evaluate.run import QUESTIONS, REVIEWED, SEALED, default_sets


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m learn.tune", description=__doc__.split(": ", 1)[1])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--cross-validate", action="store_true", help="tune on all splits but one, score the one left out; each in turn")
    what.add_argument("--save", type=Path, metavar="DIR", help="tune on every pair and save the model with its hashes in a new DIR")
    what.add_argument("--publish", action="store_true", help="tune on every pair and publish it as the index's query encoder")
    what.add_argument("--evaluate", type=Path, metavar="DIR", help="answer the question set with a saved tuned model (hashes checked)")
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--model", default="mpnet", help="key of the index's model to tune (default: mpnet)")
    p.add_argument(
        "--questions",
        type=Path,
        action="append",
        help=f"question file(s); repeatable (default: {QUESTIONS.name}, and {REVIEWED.name} when an evaluator accepted votes)",
    )
    p.add_argument("--epochs", type=int, help="training epochs (default: learn.tune.train.TuneSettings)")
    p.add_argument(
        "--exclude-splits",
        default=",".join(SEALED),
        metavar="S,…",
        help=f"splits never trained on (default: the sealed {', '.join(SEALED)}; '' trains on every split)",
    )
    p.add_argument(
        "--publish-anyway",
        action="store_true",
        help="with --publish: publish even a candidate that answers worse than the published version (figures still printed)",
    )
    p.add_argument(
        "--max-questions", type=int, default=None, metavar="N", help="refuse more training questions than this (default 5,000; 0: no limit)"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Exit 0: done (published, saved, or nothing to do); 2: an error; REFUSED_EXIT (3): the tuned candidate answers worse
    than the published version, so nothing was published."""
    from learn.tune.gate import REFUSED_EXIT, Refused

    args = parse_args(argv)
    if args.publish_anyway and not args.publish:
        print("error: --publish-anyway goes with --publish", file=sys.stderr)
        return 2
    try:
        return run(args)
    except Refused as e:
        print(f"refused: {e}\nNext: {e.remedy}.", file=sys.stderr)
        return REFUSED_EXIT
    except (MythQAError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def run(args) -> int:
    from dataclasses import replace

    from evaluate.run import load_questions
    from learn.tune.checks import MAX_QUESTIONS, check_files
    from learn.tune.train import TuneSettings

    files = args.questions or default_sets()
    check_files(files, MAX_QUESTIONS if args.max_questions is None else args.max_questions)  # before any model loads
    sealed = {s for s in args.exclude_splits.split(",") if s}
    questions = [q for path in files for q in load_questions(path) if q.split not in sealed]
    settings = TuneSettings() if args.epochs is None else replace(TuneSettings(), epochs=args.epochs)
    if args.cross_validate:
        from learn.tune.cross import cross_validate, table

        print(table(cross_validate(args.index, questions, args.model, settings, log=lambda m: print(m, file=sys.stderr))))
    elif args.save:
        from learn.tune.cross import tune_and_save

        record = tune_and_save(args.index, questions, args.model, settings, args.save)
        print(f"Saved the tuned {args.model} query model in {args.save} ({len(record['files'])} files, hashes in tuned.json).")
    elif args.publish:
        from learn.tune.publish import tune_and_publish

        def log(m):
            return print(m, file=sys.stderr, flush=True)

        print(tune_and_publish(args.index, questions, args.model, settings, log=log, anyway=args.publish_anyway))
    else:
        from evaluate.report import table
        from learn.tune.cross import evaluate_saved

        print(table(evaluate_saved(args.index, questions, args.evaluate)))
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
