"""The dense vector store behind a narrow interface (add, search, save, load), backed by FAISS."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class DenseStore:
    """Inner-product search over L2-normalised vectors (cosine similarity).

    Exact (flat) search; another backend only has to keep these four methods.
    """

    kind = "faiss-flat-ip"

    def __init__(self, dim: int, index=None):
        import faiss

        self.dim = dim
        self.index = index if index is not None else faiss.IndexFlatIP(dim)

    def add(self, vectors: np.ndarray) -> None:
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids) of shape (n_queries, k); ids are -1 past the end."""
        k = max(1, min(k, self.index.ntotal or 1))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def __len__(self) -> int:
        return self.index.ntotal

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseStore:
        import faiss

        index = faiss.read_index(str(path))
        return cls(index.d, index)
