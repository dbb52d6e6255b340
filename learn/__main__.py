"""`python -m learn`: score every learned part leave-one-myth-out over the development myths, and write the profile."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.errors import MythQAError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m learn", description=__doc__.split(": ", 1)[1])
    p.add_argument("--work", type=Path, default=Path("index-dev"), help="where the development indexes are kept (default: index-dev/)")
    p.add_argument("--base-encoder", action="store_true", help="answer with mpnet's base query encoder (no tuning per fold)")
    p.add_argument("--ablations", action="store_true", help="also score each fold without the ranker and with each rule off")
    p.add_argument("--write", type=Path, metavar="FILE", help="write the profile fitted on every development myth here (JSON)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from learn.lomo import run, table

    try:
        folds, shipped = run(
            args.work, tuned=not args.base_encoder, ablations=args.ablations, log=lambda m: print(m, file=sys.stderr, flush=True)
        )
    except (MythQAError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(table(folds))
    if args.write:
        from core.profile import LEARNED_FIELDS
        from learn.lomo import record

        settings = shipped.to_json()
        learned = {
            "about": "Written by `python -m learn --write`: the parts of the settings profile fitted on every development myth "
            "(eval/dev/myths.json); core/profile.py reads them as its defaults. The record says what they were fitted on and "
            "how each myth left out scored with the parts fitted without it.",
            "record": record(folds, shipped, not args.base_encoder),
            "settings": {k: settings[k] for k in LEARNED_FIELDS},
        }
        args.write.write_text(json.dumps(learned, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nWrote what was fitted on every development myth to {args.write}.")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
