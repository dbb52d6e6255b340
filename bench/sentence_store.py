"""The sentence candidate store: IVF-Flat (what ingestion builds) against HNSW, recall of the exact 256 nearest.

Usage: python -m bench.sentence_store --index DIR [--hnsw] [--max-questions N]  (prints one JSON object)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

K = 256  # the read path's qa.candidates.DENSE_SENTENCES


def recall(ids: list[np.ndarray], scores: np.ndarray, k: int) -> float:
    """Share of the first k returned ids scoring at least the exact k-th score (ties between near-duplicates count as hits)."""
    kth = -np.sort(-scores, axis=1)[:, k - 1] - 1e-6
    return float(np.mean([(scores[i, ids[i][:k][ids[i][:k] >= 0]] >= kth[i]).sum() / k for i in range(len(ids))]))


def sweep(store, queries: np.ndarray, scores: np.ndarray, settings: list[tuple[str, int]]) -> list[dict]:
    out = []
    for name, value in settings:
        setattr(store.index if name == "nprobe" else store.index.hnsw, name, value)
        times, ids = [], []
        for q in queries:
            t0 = time.perf_counter()
            ids.append(store.search(q[None, :], K)[1][0])
            times.append(time.perf_counter() - t0)
        ms = np.asarray(times) * 1000
        row = {name: value, "recall": round(recall(ids, scores, K), 4), "recall_at_10": round(recall(ids, scores, 10), 4)}
        out.append(row | {"p50_ms": round(float(np.median(ms)), 2)})
    return out


def measure(index: Path, hnsw: bool = False, max_questions: int | None = None) -> dict:
    import faiss

    from bench.serve import questions
    from core.dense import HNSW, DenseStore
    from qa.engine import Engine

    faiss.omp_set_num_threads(1)
    engine = Engine.load(index)
    primary = engine.index.primary  # the index's first model: its sentence vectors and the store built over them
    vectors = np.ascontiguousarray(primary.sentence, dtype=np.float32)
    encoder = engine.encoders[primary.spec.key]
    queries = np.stack([encoder.embed(q) for q in questions(max_questions)])
    scores = queries @ vectors.T
    store = primary.sentence_dense
    res = {"sentences": len(vectors), "questions": len(queries), "k": K, "ivf": store.describe() if store else None}
    if store is not None:
        nprobe = store.index.nprobe
        res["ivf_sweep"] = sweep(store, queries, scores, [("nprobe", p) for p in (nprobe // 2, nprobe, nprobe * 2)])
        store.index.nprobe = nprobe
    if hnsw:
        built = DenseStore.create(vectors.shape[1], len(vectors), kind=HNSW)
        faiss.omp_set_num_threads(2)
        t0 = time.perf_counter()
        built.add(vectors)
        res["hnsw_build_s"] = round(time.perf_counter() - t0, 1)
        faiss.omp_set_num_threads(1)
        res["hnsw_sweep"] = sweep(built, queries, scores, [("efSearch", ef) for ef in (1024, 4096)])
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.sentence_store", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--hnsw", action="store_true", help="also build an HNSW store over the same vectors (minutes at 100,000 chunks)")
    ap.add_argument("--max-questions", type=int, default=None)
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.index, args.hnsw, args.max_questions)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
