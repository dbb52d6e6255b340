"""The encoder interfaces both paths rely on, and a deterministic hash embedder that needs no model files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np


class Embedder(Protocol):
    """What ingestion calls on a document encoder; a SentenceTransformer satisfies it."""

    def get_embedding_dimension(self) -> int: ...

    def encode(self, texts: list[str], **kwargs) -> np.ndarray: ...


class Encoding(NamedTuple):
    ids: list[int]
    offsets: list[tuple[int, int]]


_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class WordTokenizer:
    """Words and punctuation marks as tokens, with the ``encode(...).ids/.offsets`` shape of a `tokenizers.Tokenizer`."""

    def encode(self, text: str, add_special_tokens: bool = True) -> Encoding:
        spans = [m.span() for m in _WORD.finditer(text)]
        return Encoding(list(range(len(spans))), spans)


def _bucket(token: str, dim: int) -> tuple[int, float]:
    # blake2b, not hash(): Python salts str hashes per process, and vectors must be the same in every run.
    h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
    return h % dim, 1.0 if (h >> 32) & 1 else -1.0


@dataclass
class HashEmbedder:
    """Bag of hashed lowercase words, L2-normalised: similar wording gives similar vectors, with no model at all.

    For tests of structure, publishing, bad input and the UI, and as the tiny second model that shows an index
    holding several models. Not a quality model.
    """

    dimension: int = 64

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            i, sign = _bucket(word, self.dimension)
            v[i] += sign
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def encode(self, texts: list[str], **kwargs) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.vector(t) for t in texts])
