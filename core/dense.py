"""The dense vector store behind a narrow interface (add, search, save, load), backed by FAISS."""

from __future__ import annotations

from pathlib import Path

import numpy as np

FLAT = "faiss-flat-ip"
HNSW = "faiss-hnsw-ip"
# Chosen from `python -m bench` (docs/BENCHMARKS.md). Exact search costs ~1 ms per query at 10,000 vectors and ~16 ms
# at 100,000 (one thread); HNSW needs M 64 and efSearch 1024 to reach recall@10 >= 0.99 on the benchmark queries
# (0.995 at 100,000, 6.6 ms), which only pays once exact search costs more than that: from about 50,000 vectors.
HNSW_MIN_VECTORS = 50_000
HNSW_M = 64
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 1024


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
        if kind != HNSW:
            raise ValueError(f"unknown dense store kind {kind!r}; choose {FLAT} or {HNSW}")
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(dim, index)

    @property
    def kind(self) -> str:
        return HNSW if hasattr(self.index, "hnsw") else FLAT

    def describe(self) -> dict:
        """Kind, size and search parameters, for the index manifest."""
        out = {"kind": self.kind, "count": len(self)}
        if self.kind == HNSW:
            out.update(
                M=self.index.hnsw.nb_neighbors(1), ef_construction=self.index.hnsw.efConstruction, ef_search=self.index.hnsw.efSearch
            )
        return out

    def add(self, vectors: np.ndarray) -> None:
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids) of shape (n_queries, k); ids are -1 past the end."""
        k = max(1, min(k, self.index.ntotal or 1))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if self.kind == HNSW and k > min(2048, self.index.ntotal // 8):
            # A graph walk for a large share of the store is slower than a scan and may miss items.
            import faiss

            return faiss.downcast_index(self.index.storage).search(queries, k)
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
