"""Score every passage and sentence of the index for one query: dense (FAISS, numpy), lexical (bm25s), fused."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.artifacts import IndexData
from core.types import TITLE_SECTION  # a title-only chunk repeats what every citation shows
from qa.config import Settings
from qa.fusion import group_max, rrf, scale_by, weighted_sum

MODES = ("fused", "rrf", "dense", "bm25")


class ChunkTable(NamedTuple):
    """Facts the scorer needs on every query, computed once per loaded index."""

    sections: np.ndarray  # section name per chunk ("" when none)
    myths: np.ndarray  # myth number per chunk (-1 when none)
    title: np.ndarray  # 1.0 for title-only chunks
    chunk_term_max: np.ndarray  # best single-document BM25 score of each term, chunk index
    sent_term_max: np.ndarray  # the same for the sentence index


def term_max(bm25) -> np.ndarray:
    """Highest BM25 score each vocabulary term gives any one document (columns of bm25s' CSC score matrix)."""
    data, indptr = np.asarray(bm25.scores["data"], dtype=np.float64), np.asarray(bm25.scores["indptr"])
    out = np.zeros(max(len(indptr) - 1, max(bm25.vocab_dict.values(), default=-1) + 1))
    filled = np.flatnonzero(np.diff(indptr) > 0)
    if len(filled):
        out[filled] = np.maximum.reduceat(data, indptr[filled])
    return out


def chunk_table(index: IndexData) -> ChunkTable:
    return ChunkTable(
        sections=np.array([c.section or "" for c in index.chunks], dtype=object),
        myths=np.array([-1 if c.myth is None else c.myth for c in index.chunks], dtype=np.int64),
        title=np.array([c.section == TITLE_SECTION for c in index.chunks], dtype=np.float64),
        chunk_term_max=term_max(index.bm25_chunks),
        sent_term_max=term_max(index.bm25_sentences),
    )


class Signals(NamedTuple):
    """Raw evidence for one query; arrays are over chunk ids or sentence ids of the index."""

    chunk_dense: np.ndarray  # cosine(query, context + chunk text)
    passage_dense: np.ndarray  # cosine(query, section + chunk text): the myth title left out
    chunk_bm25: np.ndarray  # BM25 over "section\ntext", divided by the query's attainable maximum
    sent_dense: np.ndarray  # cosine(query, bare sentence)
    sent_bm25: np.ndarray  # BM25 over sentences, divided likewise
    intent: np.ndarray  # 1.0 for chunks in a section the question names or implies


def _bm25(bm25, best: np.ndarray, tokens: list[str], n: int) -> np.ndarray:
    """BM25 scores scaled by the sum of each known query term's best single-document score.

    Dividing by the per-query maximum instead would give a one-word partial match full marks;
    this bound keeps "matched half the question" at about one half.
    """
    ids = sorted({bm25.vocab_dict[t] for t in tokens if t in bm25.vocab_dict})
    if not ids:
        return np.zeros(n)
    return scale_by(np.asarray(bm25.get_scores(ids), dtype=np.float64), float(best[ids].sum()))


def compute_signals(
    index: IndexData, table: ChunkTable, qvec: np.ndarray, tokens: list[str], sections: tuple[str, ...], chunk_dense: bool = True
) -> Signals:
    """Compute every signal; the dense chunk scores come from the FAISS store.

    ``chunk_dense=False`` leaves that signal at zero: the fused weighting gives it no weight, and a full
    scan of the store is the largest cost per question at 100,000 chunks.
    """
    n_chunks = len(index.chunks)
    dense = np.zeros(n_chunks)
    if chunk_dense:
        scores, ids = index.dense.search(qvec[None, :], n_chunks)
        keep = ids[0] >= 0
        dense[ids[0][keep]] = scores[0][keep]
    return Signals(
        chunk_dense=dense,
        passage_dense=index.passage_vectors @ qvec,
        chunk_bm25=_bm25(index.bm25_chunks, table.chunk_term_max, tokens, n_chunks),
        sent_dense=index.sentence_vectors @ qvec,
        sent_bm25=_bm25(index.bm25_sentences, table.sent_term_max, tokens, len(index.sentence_vectors)),
        intent=np.isin(table.sections, list(sections)).astype(np.float64) if sections else np.zeros(n_chunks),
    )


def passage_scores(index: IndexData, table: ChunkTable, sig: Signals, settings: Settings, mode: str = "fused") -> np.ndarray:
    """One score per chunk (higher is better) for the given retrieval mode.

    ``dense`` and ``bm25`` are the single-signal baselines over whole passages; ``rrf`` fuses the four
    rankings by reciprocal rank; ``fused`` is the tuned weighted sum with section intent.
    """
    n = len(index.chunks)
    if mode == "dense":
        return sig.chunk_dense
    if mode == "bm25":
        return sig.chunk_bm25
    best_sent_dense = group_max(sig.sent_dense, index.sentence_chunk, n)
    best_sent_bm25 = group_max(sig.sent_bm25, index.sentence_chunk, n)
    if mode == "rrf":
        return rrf([sig.chunk_dense, sig.chunk_bm25, best_sent_dense, best_sent_bm25], k=settings.rrf_k)
    if mode != "fused":
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    parts = {
        "chunk_dense": sig.chunk_dense,
        "passage_dense": sig.passage_dense,
        "sent_dense": best_sent_dense,
        "chunk_bm25": sig.chunk_bm25,
        "sent_bm25": best_sent_bm25,
        "intent": sig.intent,
        "title": table.title,
    }
    return weighted_sum(parts, settings.passage_weights())


def allowed_chunks(table: ChunkTable, myth: int | None, section: str | None) -> np.ndarray:
    """Boolean mask of chunks passing the myth and section filters."""
    mask = np.ones(len(table.myths), dtype=bool)
    if myth is not None:
        mask &= table.myths == myth
    if section is not None:
        mask &= table.sections == section
    return mask
