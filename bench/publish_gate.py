"""What the publishing gate of `learn.tune --publish` and the CURRENT fallback cost on a built index (read only).

The gate: the published version scored against a candidate on the questions neither was tuned on; here the candidate
is the published query encoder itself (no training), so the figures are the gate's own cost and must tie. The pointer:
one `layout.current_version` call as every reader makes before each question (its verdict cached), and the first call
in a process (every artifact hashed once).
Usage: python -m bench.publish_gate --index index [--model mpnet]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.publish_gate", description=__doc__.split("\n")[0])
    p.add_argument("--index", type=Path, default=Path("index"))
    p.add_argument("--model", default="mpnet", help="the model whose published query encoder stands in as the candidate")
    args = p.parse_args(argv)
    from core import layout
    from evaluate.run import SEALED, default_sets, load_questions
    from learn.tune.gate import judge
    from learn.tune.publish import published_record

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t0 = time.perf_counter()
    layout.current_version(args.index)
    first = time.perf_counter() - t0
    runs = []
    for _ in range(200):
        t0 = time.perf_counter()
        layout.current_version(args.index)
        runs.append(time.perf_counter() - t0)
    print(f"current_version: first call {first * 1000:.1f} ms (hashes every artifact), then median {statistics.median(runs) * 1e6:.0f} µs")
    questions = [q for path in default_sets() for q in load_questions(path) if q.split not in SEALED]
    trained = set((published_record(args.index, args.model) or {}).get("questions") or ())
    onnx = layout.model_path(layout.resolve(args.index), args.model) / layout.QUERY_ONNX
    t0 = time.perf_counter()
    verdict = judge(args.index, args.model, onnx, questions, trained, trained)
    print(verdict.table())
    print(f"gate: {time.perf_counter() - t0:.1f} s (engine load, then both versions asked); publish: {verdict.publish}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
