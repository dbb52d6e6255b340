"""Answering figures for one index, in a process of its own: per-stage latency, concurrency, resident memory.

Usage: python -m bench.serve --index DIR [--rounds 3] [--max-questions N] [--threads 1,4,16]  (prints one JSON object)
Every model of the index answers (on the index `make index` builds: MiniLM and mpnet, mpnet's query side tuned), so
"query_encoding" is the sum over the models; `python -m bench.query_encoders` splits it by model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from core import jsonl
from qa.trace import STAGES as ENGINE_STAGES
from qa.trace import Trace

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
# The engine's own stages (qa.trace: it times them itself when handed a Trace), then the rest of ``ask``.
# Dense search = choosing the scope (candidates from the sentence store on large indexes) + the dense products over it.
STAGES = (*ENGINE_STAGES, "other")


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def questions(limit: int | None = None) -> list[str]:
    rows = [row for _, row in jsonl.read(QUESTIONS).rows]
    qs = list(dict.fromkeys(r["question"] for r in rows))
    return qs[:limit] if limit else qs


def stage_latency(engine, qs: list[str], rounds: int) -> dict:
    """Per-question latency and its split into stages (ms, p50/p95 over questions x rounds), query cache cleared."""
    trace = Trace()
    totals, stages = [], defaultdict(list)
    for _ in range(rounds):
        for q in qs:
            engine.clear_cache()  # every question pays its query encoding, as a new question would
            trace.clear()
            t0 = time.perf_counter()
            engine.ask(q, trace=trace)
            total = time.perf_counter() - t0
            acc = defaultdict(float, trace.seconds)
            acc["other"] = max(total - sum(acc[s] for s in ENGINE_STAGES), 0.0)
            totals.append(total)
            for s in STAGES:
                stages[s].append(acc[s])
    pct = lambda xs, p: round(float(np.percentile(np.asarray(xs) * 1000, p)), 2)  # noqa: E731
    return {
        "n": len(totals),
        "total": {"p50": pct(totals, 50), "p95": pct(totals, 95)},
        "stages": {s: {"p50": pct(v, 50), "p95": pct(v, 95)} for s, v in stages.items()},
    }


def concurrency(engine, qs: list[str], threads: tuple[int, ...] = (1, 4, 16)) -> dict:
    """Questions/s and p95 with n simultaneous askers; answers must equal the single-threaded ones."""
    engine.clear_cache()
    reference = [engine.ask(q) for q in qs]
    out = {}
    for n in threads:
        engine.clear_cache()

        def one(q):
            t0 = time.perf_counter()
            a = engine.ask(q)
            return a, time.perf_counter() - t0

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            results = list(pool.map(one, qs))
        wall = time.perf_counter() - t0
        lat = np.array([r[1] for r in results]) * 1000
        out[str(n)] = {
            "questions_per_s": round(len(qs) / wall, 2),
            "p50_ms": round(float(np.percentile(lat, 50)), 1),
            "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "identical": all(a == r for (a, _), r in zip(results, reference, strict=True)),
        }
    return out


def candidate_agreement(engine, qs: list[str]) -> dict | None:
    """How often answers from HNSW sentence candidates equal exact scoring of every chunk (None: exact index)."""
    from dataclasses import replace

    from qa.engine import Engine

    models = engine.index.models
    if all(m.sentence_dense is None for m in models.values()):
        return None
    exact_index = replace(engine.index, models={k: replace(m, sentence_dense=None) for k, m in models.items()})
    exact = Engine(exact_index, engine.encoders, engine.settings, engine.notices)
    same_top1 = near_top1 = same_top5 = same_answer = 0
    for q in qs:
        a, b = engine.ask(q), exact.ask(q)
        ids_a, ids_b = [p.chunk_id for p in a.passages], [p.chunk_id for p in b.passages]
        same_top1 += ids_a[:1] == ids_b[:1]
        near_top1 += bool(ids_a) and ids_a[0] in ids_b  # the candidates' best is one of the exact top 5
        same_top5 += len(set(ids_a) & set(ids_b)) / max(len(ids_b), 1)
        same_answer += (a.answered, [x.text for x in a.sentences]) == (b.answered, [x.text for x in b.sentences])
    n = max(len(qs), 1)
    shares = {"top1_equal": same_top1, "top1_in_exact_top5": near_top1, "top5_overlap": same_top5, "answer_equal": same_answer}
    return {"n": len(qs)} | {k: round(v / n, 3) for k, v in shares.items()}


def measure(index: Path, rounds: int = 3, max_questions: int | None = None, threads: tuple[int, ...] = (1, 4, 16)) -> dict:
    """Load the index as the app does (the engine with its ONNX query encoder; no PyTorch model) and measure it."""
    from bench.disk import index_bytes
    from qa.engine import Engine

    load_avg = round(os.getloadavg()[0], 2)
    base = rss_mb()
    t0 = time.perf_counter()
    engine = Engine.load(index)
    load_s = time.perf_counter() - t0
    loaded = rss_mb()
    qs = questions(max_questions)
    for q in qs[:5]:  # warm up (first calls allocate and JIT nothing, but fill allocator pools)
        engine.ask(q)
    lat = stage_latency(engine, qs, rounds)
    conc = concurrency(engine, qs, threads)
    import resource

    primary = engine.index.primary  # stores and query encoder of the index's first model
    sentence_store = primary.sentence_dense
    return {
        "index": str(index),
        "version": engine.version,
        "load_avg_1m_at_start": load_avg,
        "models": {
            k: {"backend": e.backend, "tuned": k in engine.tuned, "weight": engine.weights.get(k)} for k, e in engine.encoders.items()
        },
        "disk": index_bytes(index),
        "chunks": len(engine.index.chunks),
        "dense_kind": primary.dense.kind,
        "sentence_store": sentence_store.kind if sentence_store is not None else None,
        "query_encoder": engine.encoders[primary.spec.key].backend,
        "index_load_s": round(load_s, 2),
        "rss_mb": {
            "python": round(base, 1),
            "serving": round(loaded, 1),
            "after_answering": round(rss_mb(), 1),
            "peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
        "latency_ms": lat,
        "concurrency": conc,
        "candidates": candidate_agreement(engine, qs),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),  # the cores are shared: how busy they were meanwhile
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-questions", type=int, default=None)
    ap.add_argument("--threads", default="1,4,16")
    args = ap.parse_args(argv)
    threads = tuple(int(x) for x in args.threads.split(","))
    print(json.dumps(measure(args.index, args.rounds, args.max_questions, threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
