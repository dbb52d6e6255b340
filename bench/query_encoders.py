"""Query encoding per model on an index, as the engine serves it (each model's ONNX export, mpnet's tuned one when
published), and optionally with PyTorch (the base weights) for comparison.

Usage: python -m bench.query_encoders --index DIR [--rounds 3] [--torch]  (prints one JSON object)
Each question is embedded uncached (the encoder's cache is cleared first), one intra-op thread, as ``Engine.load`` sets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def per_model(engine, qs: list[str], rounds: int = 3) -> dict:
    """p50/p95 ms of one uncached ``embed`` per model over questions x rounds, with the backend and tuning of each."""
    out = {}
    for key, enc in engine.encoders.items():
        enc.embed(qs[0])  # warm up
        ms = []
        for _ in range(rounds):
            for q in qs:
                enc.embed.cache_clear()
                t0 = time.perf_counter()
                enc.embed(q)
                ms.append((time.perf_counter() - t0) * 1000)
        entry = engine.index.models[key].entry.get("query_encoder") or {}
        out[key] = {
            "backend": enc.backend,
            "tuned": key in engine.tuned,
            "weight": engine.weights.get(key),
            "max_abs_diff_to_pytorch": entry.get("max_abs_diff") if enc.backend == "onnx" else None,
            "n": len(ms),
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
        }
    return out


def measure(index: Path, rounds: int = 3, max_questions: int | None = None, torch: bool = False) -> dict:
    from bench.serve import questions
    from qa.engine import Engine

    load = round(os.getloadavg()[0], 2)
    qs = questions(max_questions)
    res = {"load_avg_1m_at_start": load, "questions": len(qs), "served": per_model(Engine.load(index), qs, rounds)}
    if torch:
        res["pytorch_base"] = per_model(Engine.load(index, backend="torch"), qs, rounds)
    return res | {"load_avg_1m_at_end": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.query_encoders", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path("index"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-questions", type=int, default=None)
    ap.add_argument("--torch", action="store_true", help="also time the PyTorch base encoders (loads torch)")
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.index, args.rounds, args.max_questions, args.torch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
