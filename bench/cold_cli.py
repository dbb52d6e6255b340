"""How long one `python -m qa "…"` takes from a cold process (the import, the index and model checks, the first answer).

Usage: python -m bench.cold_cli [--index index] [--runs 5] [--question "Who is the author?"]
Prints each run's wall-clock seconds, their median and the 1-minute load average before and after: the cores are shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from core.layout import default_index


def run(index: Path, runs: int, question: str) -> list[float]:
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa", "--index", str(index), question], check=True, stdout=subprocess.DEVNULL)
        took.append(time.perf_counter() - t0)
    return took


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cold_cli", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=None, help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--question", default="Who is the author?")
    args = p.parse_args(argv)
    before = os.getloadavg()[0]
    took = run(args.index or default_index(), args.runs, args.question)
    print("runs: " + " ".join(f"{t:.2f}" for t in took) + " s")
    print(f"median: {statistics.median(took):.2f} s (load average {before:.2f} before, {os.getloadavg()[0]:.2f} after)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
