"""Which chunks to score for one question: all of them on small indexes, retrieval candidates on large ones."""

from __future__ import annotations

import numpy as np

from core.artifacts import IndexData, ModelVectors
from qa.fusion import top_k
from qa.retrieve import ChunkTable, Lexical, Query, Scope, scope_of

# Scoring every chunk exactly costs ~1 ms per 10,000 chunks, so a filter leaving fewer than this many
# is always answered exactly, even on an index large enough for candidates.
EXACT_MAX_CHUNKS = 5_000
DENSE_SENTENCES = 256  # nearest sentences taken from the IVF sentence store
LEXICAL_CHUNKS = 100  # best chunks by BM25
LEXICAL_SENTENCES = 100  # best sentences by BM25


def _best_positive(scores: np.ndarray, k: int) -> np.ndarray:
    hits = np.flatnonzero(scores > 0)  # BM25 leaves most documents at zero: rank only the rest
    return hits[top_k(scores[hits], k)]


def candidate_chunks(index: IndexData, model: ModelVectors, qvec: np.ndarray, lex: Lexical) -> np.ndarray:
    """Chunk ids holding one of ``model``'s nearest sentences (IVF store) or the best BM25 chunks and sentences."""
    _, ids = model.sentence_dense.search(qvec[None, :], DENSE_SENTENCES)
    dense = ids[0][ids[0] >= 0]
    lexical_chunks, lexical_sentences = _best_positive(lex.chunk, LEXICAL_CHUNKS), _best_positive(lex.sentence, LEXICAL_SENTENCES)
    return np.unique(np.concatenate([index.sentence_chunk[dense], lexical_chunks, index.sentence_chunk[lexical_sentences]]))


def choose_scope(index: IndexData, table: ChunkTable, full: Scope, query: Query, lex: Lexical, mask: np.ndarray) -> Scope:
    """The chunks to score, all passing ``mask`` (the myth and section filters).

    Exact (every allowed chunk) when ``query``'s model has no sentence store or the filters leave few chunks;
    otherwise the allowed candidates, falling back to every allowed chunk when no candidate passes.
    """
    everything = bool(mask.all())
    if query.model.sentence_dense is None or (not everything and int(mask.sum()) <= EXACT_MAX_CHUNKS):
        return full if everything else scope_of(table, np.flatnonzero(mask))
    chunks = candidate_chunks(index, query.model, query.vector, lex)
    chunks = chunks[mask[chunks]]
    return scope_of(table, chunks if len(chunks) else np.flatnonzero(mask))
