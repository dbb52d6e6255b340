"""Exact (flat) against approximate (HNSW) dense search: build time, latency per query and recall@10."""

from __future__ import annotations

import time

import numpy as np

from core.dense import FLAT, HNSW, DenseStore


def _latencies(store: DenseStore, queries: np.ndarray, k: int, reps: int) -> np.ndarray:
    out = []
    for _ in range(reps):
        for q in queries:
            t0 = time.perf_counter()
            store.search(q[None, :], k)
            out.append(time.perf_counter() - t0)
    return np.asarray(out) * 1000


def recall_at_k(approx_scores: np.ndarray, exact_scores: np.ndarray, k: int) -> float:
    """Share of the exact top k the approximate search found, averaged over queries.

    Counted by score, not id: a result scoring at least the exact k-th score is a hit, so ties between
    near-duplicate texts (common in the generated corpora) do not count as misses.
    """
    kth = exact_scores[:, k - 1 : k] - 1e-6
    return float(np.mean(np.sum(approx_scores[:, :k] >= kth, axis=1) / k))


def compare(
    vectors: np.ndarray,
    queries: np.ndarray,
    k: int = 10,
    reps: int = 3,
    ef_search: tuple[int, ...] = (256, 512, 1024),
    hnsw: DenseStore | None = None,
) -> dict:
    """Flat and HNSW side by side on the same vectors and queries (single-query latency, one thread).

    Args:
        hnsw: an HNSW store already built over ``vectors`` (e.g. loaded from an index); built here otherwise.
    """
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # one query per request, like the app; OpenMP only adds noise here
    flat = DenseStore.create(vectors.shape[1], len(vectors), kind=FLAT)
    flat.add(vectors)
    truth = flat.search(queries, k)[0]
    flat_ms = _latencies(flat, queries, k, reps)
    build_s = None
    if hnsw is None:
        t0 = time.perf_counter()
        hnsw = DenseStore.create(vectors.shape[1], len(vectors), kind=HNSW)
        hnsw.add(vectors)
        build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    full_scan = [vectors @ q for q in queries]  # what a caller scoring every vector pays (numpy, as qa.retrieve does)
    scan_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    del full_scan
    out = {
        "vectors": len(vectors),
        "flat_p50_ms": round(float(np.median(flat_ms)), 3),
        "flat_p95_ms": round(float(np.percentile(flat_ms, 95)), 3),
        "numpy_full_scan_ms": round(scan_ms, 3),
        "hnsw_build_s": None if build_s is None else round(build_s, 2),
        "hnsw": {},
    }
    for ef in ef_search:
        hnsw.index.hnsw.efSearch = ef
        recall = recall_at_k(hnsw.search(queries, k)[0], truth, k)
        ms = _latencies(hnsw, queries, k, reps)
        out["hnsw"][ef] = {
            "recall_at_10": round(recall, 4),
            "p50_ms": round(float(np.median(ms)), 3),
            "p95_ms": round(float(np.percentile(ms, 95)), 3),
        }
    faiss.omp_set_num_threads(threads)
    return out
