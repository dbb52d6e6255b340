"""The second-myth figures (eval/README.md round 6; docs/evaluators.md): Myth 10 and the test fixture's second myth
indexed together as `make index` builds them (ingest, then tune mpnet's query side), then `eval/second_myth.jsonl`.

Usage: python -m bench.second_myth [--work /tmp/myth-second] [--keep]
Builds in --work (never in index/), with an export cache of its own there (the shared one is left alone): a few minutes
of ingestion and tuning on CPU. Prints evaluate's table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "second_myth"
QUESTIONS = ROOT / "eval" / "second_myth.jsonl"


def run(work: Path) -> int:
    corpus, index = work / "corpus", work / "index"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(ROOT / "corpus", corpus)
    for f in FIXTURE.glob("*.txt"):
        shutil.copy2(f, corpus / f.name)
    py, env = sys.executable, os.environ | {"MYTHQA_CACHE": str(work / "cache")}
    steps = [
        [py, "-m", "ingest", "--corpus", str(corpus), "--index", str(index), "--quiet"],
        [py, "-m", "learn.tune", "--publish", "--index", str(index)],
        [py, "-m", "evaluate", "--index", str(index), "--questions", str(QUESTIONS), "--by-kind"],
    ]
    for cmd in steps:
        print("$", " ".join(cmd[1:]), flush=True)
        rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
        if rc > 1 or (rc and cmd is not steps[0]):  # ingestion's 1 = some files skipped, index published
            return rc
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.second_myth", description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/myth-second"))
    ap.add_argument("--keep", action="store_true", help="keep the built index in --work")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        return run(args.work)
    finally:
        if not args.keep:
            for name in ("index", "cache"):
                shutil.rmtree(args.work / name, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
