"""Score every passage and sentence of the index for one query: dense (FAISS, numpy), lexical (bm25s), fused."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.artifacts import IndexData, ModelVectors
from core.profile import Settings
from core.types import TITLE_SECTION  # a title-only chunk repeats what every citation shows
from qa.fusion import group_max, rrf, scale_by, weighted_sum

MODES = ("fused", "rrf", "dense", "bm25")


class ChunkTable(NamedTuple):
    """Facts the scorer needs on every query, computed once per loaded index."""

    sections: np.ndarray  # section name per chunk ("" when none)
    section_id: np.ndarray  # the same as a small integer (position in section_names), for fast matching
    section_names: tuple[str, ...]
    myths: np.ndarray  # myth number per chunk (-1 when none)
    title: np.ndarray  # 1.0 for title-only chunks
    sent_start: np.ndarray  # first sentence id of each chunk (a chunk's sentence ids are consecutive)
    sent_count: np.ndarray  # sentences per chunk
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
    sections = np.array([c.section or "" for c in index.chunks], dtype=object)
    names, section_id = np.unique(sections.astype(str), return_inverse=True) if len(sections) else (np.array([]), np.zeros(0, int))
    counts = np.array([len(c.sentences) for c in index.chunks], dtype=np.int64)
    return ChunkTable(
        sections=sections,
        section_id=section_id.astype(np.int64),
        section_names=tuple(str(n) for n in names),
        myths=np.array([-1 if c.myth is None else c.myth for c in index.chunks], dtype=np.int64),
        title=np.array([c.section == TITLE_SECTION for c in index.chunks], dtype=np.float64),
        sent_start=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(counts) else counts,
        sent_count=counts,
        chunk_term_max=term_max(index.bm25_chunks),
        sent_term_max=term_max(index.bm25_sentences),
    )


class Scope(NamedTuple):
    """The chunks one question is scored over, with their sentences: every chunk, or retrieval candidates."""

    chunks: np.ndarray  # chunk ids, ascending
    sentences: np.ndarray  # sentence ids of those chunks, ascending
    owner: np.ndarray  # per sentence in scope: the position of its chunk in ``chunks``
    full: bool  # every chunk of the index, in id order (arrays are used as they are, not gathered)


def full_scope(index: IndexData) -> Scope:
    n, s = len(index.chunks), len(index.sentence_chunk)
    return Scope(np.arange(n), np.arange(s), index.sentence_chunk, True)


def scope_of(table: ChunkTable, chunk_ids: np.ndarray) -> Scope:
    """The scope of the given chunk ids (any order, repeats allowed)."""
    chunks = np.unique(np.asarray(chunk_ids, dtype=np.int64))
    counts = table.sent_count[chunks]
    total = int(counts.sum())
    # Consecutive id ranges [start, start + count) laid end to end, without a Python loop.
    shift = np.repeat(table.sent_start[chunks] - (np.cumsum(counts) - counts), counts)
    return Scope(chunks, shift + np.arange(total), np.repeat(np.arange(len(chunks)), counts), False)


class Lexical(NamedTuple):
    """BM25 scores for one query over the whole index (bm25s scores only documents holding a query term)."""

    chunk: np.ndarray  # per chunk id, over "section\ntext", divided by the query's attainable maximum
    sentence: np.ndarray  # per sentence id, divided likewise


class Signals(NamedTuple):
    """Evidence for one query over a Scope: chunk arrays follow ``scope.chunks``, sentence arrays ``scope.sentences``."""

    chunk_dense: np.ndarray  # cosine(query, context + chunk text)
    passage_dense: np.ndarray  # cosine(query, section + chunk text): the myth title left out
    chunk_bm25: np.ndarray
    sent_dense: np.ndarray  # cosine(query, bare sentence)
    sent_bm25: np.ndarray
    intent: np.ndarray  # 1.0 for chunks in a section the question names or implies
    sent_dense_by_model: dict  # model key -> that model's own sentence cosines (abstention compares on one model's scale)


def _bm25(bm25, best: np.ndarray, tokens: list[str], n: int) -> np.ndarray:
    """BM25 scores scaled by the sum of each known query term's best single-document score.

    Dividing by the per-query maximum instead would give a one-word partial match full marks;
    this bound keeps "matched half the question" at about one half.
    """
    ids = sorted({bm25.vocab_dict[t] for t in tokens if t in bm25.vocab_dict})
    if not ids:
        return np.zeros(n)
    return scale_by(np.asarray(bm25.get_scores(ids), dtype=np.float64), float(best[ids].sum()))


def lexical(index: IndexData, table: ChunkTable, tokens: list[str]) -> Lexical:
    return Lexical(
        _bm25(index.bm25_chunks, table.chunk_term_max, tokens, len(index.chunks)),
        _bm25(index.bm25_sentences, table.sent_term_max, tokens, len(index.sentence_chunk)),
    )


class Query(NamedTuple):
    """One model's view of the question: its weight in the dense signals, its vectors, the question's vector."""

    weight: float
    model: ModelVectors
    vector: np.ndarray


def _model_signals(q: Query, scope: Scope, chunk_dense: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chunk, passage, sentence) cosines of one model over ``scope``."""
    m, qvec, c, s = q.model, q.vector, scope.chunks, scope.sentences
    dense = np.zeros(len(c))
    if m.chunk is None:  # this model embeds no chunk texts (core.spec.MPNET): it adds nothing to that signal
        pass
    elif chunk_dense and scope.full:
        scores, ids = m.dense.search(qvec[None, :], len(c))
        keep = ids[0] >= 0
        dense[ids[0][keep]] = scores[0][keep]
    elif chunk_dense:
        dense = m.chunk[c] @ qvec
    if scope.full:
        return dense, m.passage @ qvec, m.sentence @ qvec
    return dense, m.passage[c] @ qvec, np.asarray(m.sentence[s]) @ qvec


def compute_signals(
    table: ChunkTable,
    queries: list[Query],
    lex: Lexical,
    sections: tuple[str, ...],
    scope: Scope,
    chunk_dense: bool = True,
) -> Signals:
    """Compute every signal over ``scope``; dense signals are the weighted sum of each model's cosines.

    Over the full scope the dense chunk scores come from the FAISS store. ``chunk_dense=False`` leaves that
    signal at zero: the fused weighting gives it no weight, and a full scan of the store is the largest cost
    per question at 100,000 chunks.
    """
    c = scope.chunks
    dense = passage = sentence = None
    per_model = {}
    for q in queries:
        d, p, se = _model_signals(q, scope, chunk_dense)
        per_model[q.model.spec.key] = se
        # weight x cosine, summed; one model of weight 1.0 gives its cosines unchanged, to the last bit
        dense = q.weight * d if dense is None else dense + q.weight * d
        passage = q.weight * p if passage is None else passage + q.weight * p
        sentence = q.weight * se if sentence is None else sentence + q.weight * se
    wanted = [i for i, name in enumerate(table.section_names) if name and name in sections]
    return Signals(
        chunk_dense=dense,
        passage_dense=passage,
        chunk_bm25=lex.chunk if scope.full else lex.chunk[c],
        sent_dense=sentence,
        sent_bm25=lex.sentence if scope.full else lex.sentence[scope.sentences],
        intent=np.isin(table.section_id[c], wanted).astype(np.float64) if wanted else np.zeros(len(c)),
        sent_dense_by_model=per_model,
    )


def passage_scores(table: ChunkTable, sig: Signals, settings: Settings, scope: Scope, mode: str = "fused") -> np.ndarray:
    """One score per chunk of ``scope`` (higher is better) for the given retrieval mode.

    ``dense`` and ``bm25`` are the single-signal baselines over whole passages; ``rrf`` fuses the four
    rankings by reciprocal rank; ``fused`` is the tuned weighted sum with section intent.
    """
    n = len(scope.chunks)
    if mode == "dense":
        return sig.chunk_dense
    if mode == "bm25":
        return sig.chunk_bm25
    best_sent_dense = group_max(sig.sent_dense, scope.owner, n)
    best_sent_bm25 = group_max(sig.sent_bm25, scope.owner, n)
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
        "title": table.title if scope.full else table.title[scope.chunks],
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
