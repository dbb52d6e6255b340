"""python -m ingest [--corpus DIR] [--index DIR] [--full] [--dry-run] [--models KEY,...] [--profile FILE]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from core import spec

    p = argparse.ArgumentParser(prog="python -m ingest", description="Build or update the Myth Q&A index from a corpus folder.")
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="folder of .txt/.md/.pdf/.html files (default: corpus/)")
    p.add_argument("--index", type=Path, default=Path("index"), help="index folder (default: index/)")
    p.add_argument("--full", action="store_true", help="rebuild everything, reusing nothing")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument(
        "--models",
        help=f"comma-separated model keys to embed with, the first also chunking (known: {', '.join(spec.REGISTRY)}; "
        "default: the published index's models, else " + ",".join(spec.DEFAULT_MODELS) + ")",
    )
    p.add_argument("--profile", type=Path, help="settings profile JSON to record (from `python -m qa.evaluate.calibrate --write`)")
    p.add_argument("--max-mb", type=float, default=50, help="skip files larger than this many MB (default 50)")
    p.add_argument("--pdf-timeout", type=float, default=60, help="seconds allowed to parse one PDF (default 60)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)

    from core.model import ModelError
    from core.profile import ProfileError, read_profile
    from ingest.build import run_ingest
    from ingest.load import Limits
    from ingest.report import render

    limits = Limits(max_bytes=int(args.max_mb * 1024 * 1024), pdf_seconds=args.pdf_timeout)
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
        )
    except (ModelError, ProfileError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(render(report))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
