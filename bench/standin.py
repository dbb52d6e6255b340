"""A clearly labelled stand-in encoder for bulk vectors at sizes the real model cannot embed here in time."""

from __future__ import annotations

import hashlib

import numpy as np

LABEL = "stand-in (mixtures of real MiniLM vectors + noise)"


class MixtureEncoder:
    """Deterministic fake embeddings with a realistic distribution, for timing everything but the encoder.

    Each text's vector is a normalised random mixture of 3 vectors from ``pool`` (real MiniLM embeddings
    of real and synthetic myth sentences) plus Gaussian noise, seeded by the text's hash: the same text
    always gets the same vector, and the vectors cluster like real ones (needed to measure HNSW recall).
    Duck-types the two SentenceTransformer methods ingestion calls.
    """

    def __init__(self, pool: np.ndarray, noise: float = 0.5, parts: int = 3, seed: int = 0):
        pool = np.asarray(pool, dtype=np.float32)
        if pool.ndim != 2 or len(pool) < parts:
            raise ValueError(f"the pool needs at least {parts} vectors, got shape {pool.shape}")
        self.pool, self.parts = pool, parts
        dim = pool.shape[1]
        # A fixed table of noise rows, so vectors are computed in bulk from each text's hash bits.
        self.noise = np.random.default_rng(seed).normal(0.0, noise / np.sqrt(dim), (8192, dim)).astype(np.float32)

    def get_embedding_dimension(self) -> int:
        return int(self.pool.shape[1])

    def encode(self, texts, batch_size: int = 64, normalize_embeddings: bool = True, convert_to_numpy: bool = True, **_) -> np.ndarray:
        digests = b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest() for t in texts)
        bits = np.frombuffer(digests, dtype=np.uint16).reshape(len(texts), 8).astype(np.int64)
        rows = bits[:, : self.parts] % len(self.pool)
        weights = (bits[:, self.parts : 2 * self.parts] + 1).astype(np.float32)
        weights /= weights.sum(axis=1, keepdims=True)
        out = np.einsum("np,npd->nd", weights, self.pool[rows]) + self.noise[bits[:, 7] % len(self.noise)]
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)
