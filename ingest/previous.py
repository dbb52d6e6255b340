"""What an incremental build reuses from the previously published version: chunks, vectors, texts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.artifacts import read_chunks, read_documents, read_passage_vectors, read_vectors
from core.types import Chunk, Document


@dataclass(frozen=True)
class Piece:
    """One source file's share of an index; vectors are None until embedded."""

    doc: Document
    chunks: list[Chunk]
    chunk_vectors: np.ndarray | None = None
    sentence_vectors: np.ndarray | None = None
    passage_vectors: np.ndarray | None = None

    @property
    def sentence_count(self) -> int:
        return sum(len(c.sentences) for c in self.chunks)


class Previous:
    """Read access to a published version, by source file."""

    def __init__(self, version_dir: Path | None):
        self.docs: dict[str, Document] = {}
        self._rows: dict[str, list[int]] = {}
        if version_dir is None:
            return
        self._chunks = read_chunks(version_dir)
        self._cvec, self._svec = read_vectors(version_dir)
        self._pvec = read_passage_vectors(version_dir)
        self.docs = {d.source: d for d in read_documents(version_dir)}
        for i, c in enumerate(self._chunks):
            self._rows.setdefault(c.source, []).append(i)
        self._sent_start = np.cumsum([0] + [len(c.sentences) for c in self._chunks])

    def take(self, source: str) -> Piece | None:
        """The stored piece of ``source`` with its vectors, or None when it has none."""
        rows = self._rows.get(source)
        if not rows or source not in self.docs:
            return None
        srows = [j for i in rows for j in range(self._sent_start[i], self._sent_start[i + 1])]
        return Piece(self.docs[source], [self._chunks[i] for i in rows], self._cvec[rows], self._svec[srows], self._pvec[rows])
