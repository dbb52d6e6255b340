"""The dense vector store behind a narrow interface (add, search, save, load), backed by FAISS."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

FLAT = "faiss-flat-ip"
HNSW = "faiss-hnsw-ip"
IVF = "faiss-ivf-flat-ip"
# Chosen from `python -m bench` (docs/BENCHMARKS.md). Exact search costs ~1 ms per query at 10,000 vectors and ~16 ms
# at 100,000 (one thread); HNSW needs M 64 and efSearch 1024 to reach recall@10 >= 0.99 on the benchmark queries
# (0.995 at 100,000, 6.6 ms), which only pays once exact search costs more than that: from about 50,000 vectors.
HNSW_MIN_VECTORS = 50_000
HNSW_M = 64
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 1024
# The sentence store that gives the read path its candidates on large indexes. On the 266,959 sentence vectors of
# the 100,000-chunk benchmark HNSW (M 64, efSearch 1024-4096) found only 0.66-0.70 of the exact 256 nearest, while
# IVF-Flat with 2 sqrt(n) lists, probing a quarter of them, found 0.993 of the exact 10 nearest and 0.996 of the
# 256 (~10 ms), and builds in seconds instead of minutes (docs/BENCHMARKS.md).
SENTENCE_STORE_MIN_VECTORS = 50_000
IVF_LISTS_PER_SQRT = 2
IVF_PROBE_SHARE = 4  # nprobe = nlist / 4: the smallest share with recall@10 >= 0.99 there (1/8: 0.974, 1/16: 0.960)


class DenseStore:
    """Inner-product search over L2-normalised vectors (cosine similarity).

    ``faiss-flat-ip`` is exact; ``faiss-hnsw-ip`` is approximate (HNSW graph) for small ``k`` and exact
    (a scan of the stored vectors) when a caller asks for a large share of the store. Another backend,
    e.g. a distributed vector engine, only has to keep ``add``, ``search``, ``save``, ``load``, ``kind``
    and ``len()``.
    """

    def __init__(self, dim: int, index=None):
        import faiss

        self.dim = dim
        self.index = index if index is not None else faiss.IndexFlatIP(dim)

    @classmethod
    def create(cls, dim: int, n_vectors: int, kind: str | None = None) -> DenseStore:
        """An empty store of the kind suited to ``n_vectors`` vectors (or of the ``kind`` asked for)."""
        import faiss

        kind = kind or (HNSW if n_vectors >= HNSW_MIN_VECTORS else FLAT)
        if kind == FLAT:
            return cls(dim)
        if kind == IVF:
            nlist = max(1, int(IVF_LISTS_PER_SQRT * math.sqrt(max(n_vectors, 1))))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.nprobe = max(1, nlist // IVF_PROBE_SHARE)
            return cls(dim, index)
        if kind != HNSW:
            raise ValueError(f"unknown dense store kind {kind!r}; choose {FLAT}, {HNSW} or {IVF}")
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(dim, index)

    @property
    def kind(self) -> str:
        if hasattr(self.index, "hnsw"):
            return HNSW
        return IVF if hasattr(self.index, "nprobe") else FLAT

    def describe(self) -> dict:
        """Kind, size and search parameters, for the index manifest."""
        out = {"kind": self.kind, "count": len(self)}
        if self.kind == HNSW:
            out.update(
                M=self.index.hnsw.nb_neighbors(1), ef_construction=self.index.hnsw.efConstruction, ef_search=self.index.hnsw.efSearch
            )
        if self.kind == IVF:
            out.update(nlist=self.index.nlist, nprobe=self.index.nprobe)
        return out

    def add(self, vectors: np.ndarray) -> None:
        """Add vectors; an IVF store is first trained on (a sample of) them."""
        if not len(vectors):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if not self.index.is_trained:
            self.index.train(vectors[:: max(1, len(vectors) // 100_000)])  # k-means needs a sample, not every vector
        self.index.add(vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids) of shape (n_queries, k); ids are -1 past the end."""
        k = max(1, min(k, self.index.ntotal or 1))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        large = k > min(2048, self.index.ntotal // 8)  # a large share of the store: a scan is faster and exact
        if self.kind == HNSW and large:
            import faiss

            return faiss.downcast_index(self.index.storage).search(queries, k)
        if self.kind == IVF and large:
            import faiss

            return self.index.search(queries, k, params=faiss.SearchParametersIVF(nprobe=self.index.nlist))
        return self.index.search(queries, k)

    def __len__(self) -> int:
        return self.index.ntotal

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseStore:
        import faiss

        index = faiss.read_index(str(path))  # HNSW parameters (efSearch too) are stored in the file
        return cls(index.d, index)
