"""python -m ingest [--corpus DIR] [--index DIR] [--full] [--dry-run] [--models KEY,...] [--profile FILE] [limits]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import layout

WAIT_REPORT_SECONDS = 15  # while another run holds the index: a line at once, then one this often


def _limit(text: str) -> int | None:
    n = int(text) if text.strip().isdigit() else -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of texts (give 0 for no limit)")
    return n or None


def _waiting(index: Path):
    """An on_wait callback printing who holds the index, at once and then every WAIT_REPORT_SECONDS."""
    last = [None]

    def report(holder, waited: float) -> None:
        if last[0] is None or waited - last[0] >= WAIT_REPORT_SECONDS:
            last[0] = waited
            print(
                f"Waiting for {index}/: another ingestion holds it ({holder.describe()}); waited {waited:.0f} s. "
                "This run goes on when that one ends (Ctrl-C to give up).",
                file=sys.stderr,
                flush=True,
            )

    return report


def main(argv: list[str] | None = None) -> int:
    from core import spec
    from ingest.load import Limits

    p = argparse.ArgumentParser(prog="python -m ingest", description="Build or update the Myth Q&A index from a corpus folder.")
    p.add_argument(
        "--corpus", type=Path, default=layout.default_corpus(), help="corpus .txt/.md/.pdf/.html files (default: MYTHQA_CORPUS or corpus/)"
    )
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--full", action="store_true", help="rebuild everything, reusing nothing")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument(
        "--models",
        help=f"comma-separated model keys to embed with, the first also chunking (known: {', '.join(spec.REGISTRY)}; "
        "default: the published index's models, else " + ",".join(spec.DEFAULT_MODELS) + ")",
    )
    p.add_argument("--profile", type=Path, help="settings profile JSON to record (from `python -m evaluate.calibrate --write`)")
    p.add_argument("--max-mb", type=float, default=50, help="skip files larger than this many MB (default 50)")
    p.add_argument("--pdf-timeout", type=float, default=60, help="seconds allowed to parse one PDF (default 60)")
    defaults = Limits()
    p.add_argument(
        "--max-file-texts",
        type=_limit,
        default=defaults.max_file_texts,
        metavar="N",
        help=f"skip files that need more than N texts embedded, summed over the models (default {defaults.max_file_texts:,}; 0: no limit)",
    )
    p.add_argument(
        "--max-run-texts",
        type=_limit,
        default=defaults.max_run_texts,
        metavar="N",
        help=f"embed at most N texts in one run; later files wait for the next run (default {defaults.max_run_texts:,}; 0: no limit)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verify", action="store_true", help="check every file of the published index against its hashes; change nothing")
    args = p.parse_args(argv)
    from core.errors import MythQAError

    if args.verify:
        from core.artifacts import verify_published

        try:
            print(verify_published(args.index))
            return 0
        except MythQAError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2

    from core.profile import read_profile
    from ingest.build import run_ingest
    from ingest.report import render

    limits = Limits(
        max_bytes=int(args.max_mb * 1024 * 1024),
        pdf_seconds=args.pdf_timeout,
        max_file_texts=args.max_file_texts,
        max_run_texts=args.max_run_texts,
    )
    models = tuple(k.strip() for k in args.models.split(",") if k.strip()) if args.models else None
    try:
        profile = read_profile(args.profile) if args.profile else None
        report = run_ingest(
            args.corpus,
            args.index,
            full=args.full,
            dry_run=args.dry_run,
            models=models,
            profile=profile,
            limits=limits,
            progress=not args.quiet,
            on_wait=_waiting(args.index),
        )
    except (MythQAError, OSError) as e:  # MythQAError: every error the project raises on purpose
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # e.g. while waiting for the lock, as the waiting line offers
        print("Interrupted. The published index is complete either way; the next run removes what this one left.", file=sys.stderr)
        return 130
    print(render(report))
    return report.exit_code


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
