"""Pick the 1-3 corpus sentences that answer a question, verbatim, from the best passages."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Pick(NamedTuple):
    sentence: int  # sentence id in the index
    chunk: int  # owning chunk id
    score: float


def sentence_scores(
    sent_dense: np.ndarray,
    sent_bm25: np.ndarray,
    passage: np.ndarray,
    sentence_chunk: np.ndarray,
    w_dense: float,
    w_bm25: float,
    w_passage: float,
) -> np.ndarray:
    """Score each sentence by its own dense and lexical match plus the score of the passage it is in.

    The passage term carries section intent and the surrounding paragraph's evidence, so a sentence
    that only makes sense in its paragraph is not outranked by a look-alike elsewhere.
    """
    return w_dense * sent_dense + w_bm25 * sent_bm25 + w_passage * passage[sentence_chunk]


def pick_sentences(
    scores: np.ndarray,
    sentence_chunk: np.ndarray,
    candidates: list[int],
    max_sentences: int = 3,
    extra_ratio: float = 0.9,
) -> list[Pick]:
    """Choose the best sentence of the candidate chunks, then up to ``max_sentences - 1`` more that score
    at least ``extra_ratio`` of it. Sentences are returned best first; each is a whole corpus sentence.

    Args:
        scores: one score per sentence id (see ``sentence_scores``).
        sentence_chunk: owning chunk id per sentence id.
        candidates: chunk ids allowed to contribute (the top passages).
        max_sentences: at most this many sentences.
        extra_ratio: share of the best score a further sentence must reach (scores are assumed positive).
    """
    if not candidates or max_sentences < 1:
        return []
    ids = np.flatnonzero(np.isin(sentence_chunk, candidates))
    if not len(ids):
        return []
    ranked = ids[np.argsort(-scores[ids], kind="stable")]
    best = float(scores[ranked[0]])
    picks = [Pick(int(ranked[0]), int(sentence_chunk[ranked[0]]), best)]
    for sid in ranked[1:max_sentences]:
        s = float(scores[sid])
        if best <= 0 or s < extra_ratio * best:
            break
        picks.append(Pick(int(sid), int(sentence_chunk[sid]), s))
    return picks
