"""Figures of the product as shipped: the index `make index` builds (MiniLM + mpnet, mpnet's query side tuned), each
measured in a fresh process that starts only when the machine is quiet enough (the cores are shared).

Usage: python -m bench.shipped [--index index] [--max-load 1.5] [--wait 600] [--skip-ingest] [--rounds 3]
Prints, for each step, the command, the 1-minute load average when it started, and what it printed:
  python -m bench.disk --index DIR              index size on disk (published version by part, whole folder)
  python -m bench.serve --index DIR             answering per stage (p50/p95), RSS, threads through Engine.ask
  python -m bench.query_encoders --index DIR --torch   query encoding per model (ONNX as served, PyTorch base)
  python -m bench.ingest_figures                ingestion of corpus/ with both models (never touches DIR)
Nothing here writes to DIR.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wait_for_quiet(max_load: float, wait_s: float) -> float:
    """Sleep until the 1-minute load average is below ``max_load`` (at most ``wait_s``); return the load then."""
    deadline = time.monotonic() + wait_s
    while (load := os.getloadavg()[0]) >= max_load and time.monotonic() < deadline:
        print(f"# load {load:.2f} >= {max_load}: waiting", file=sys.stderr, flush=True)
        time.sleep(20)
    return round(load, 2)


def steps(index: Path, rounds: int, skip_ingest: bool) -> list[list[str]]:
    out = [
        ["bench.disk", "--index", str(index)],
        ["bench.serve", "--index", str(index), "--rounds", str(rounds)],
        ["bench.query_encoders", "--index", str(index), "--rounds", str(rounds), "--torch"],
    ]
    return out if skip_ingest else [*out, ["bench.ingest_figures"]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.shipped", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path("index"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-load", type=float, default=1.5, help="start a step only below this 1-minute load (default 1.5)")
    ap.add_argument("--wait", type=float, default=600, help="seconds to wait for that before starting anyway (default 600)")
    ap.add_argument("--skip-ingest", action="store_true", help="leave out the ingestion figures (minutes of embedding)")
    args = ap.parse_args(argv)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores", flush=True)
    rc = 0
    for step in steps(args.index, args.rounds, args.skip_ingest):
        load = wait_for_quiet(args.max_load, args.wait)
        print(f"\n$ python -m {' '.join(step)}   # load average (1 min) at start: {load}", flush=True)
        rc = subprocess.run([sys.executable, "-m", *step], cwd=ROOT).returncode or rc
    return rc


if __name__ == "__main__":
    sys.exit(main())
