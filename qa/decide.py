"""After retrieval: decide whether to answer (abstention) and which verbatim sentences answer, per retrieval mode."""

from __future__ import annotations

import numpy as np

from core.profile import Settings
from qa.abstain import Evidence, answerable
from qa.extract import Pick, pick_sentences, sentence_scores
from qa.fusion import rrf
from qa.intent import answer_type
from qa.retrieve import Scope, Signals


def should_answer(ev: Evidence, abstention: tuple[str, float, float] | None) -> bool:
    """Whether the evidence clears the profile's abstention entry (None: no calibrated model, so only unknown names refuse)."""
    if abstention is None:
        return not ev.unknown_names
    _, weight, threshold = abstention
    return answerable(ev, weight, threshold)


def choose_sentences(
    text: str, sig: Signals, scores: np.ndarray, scope: Scope, top: list[int], st: Settings, mode: str, types: dict, shown=()
) -> list[Pick]:
    """The 1-3 best sentences of the best passages for ``mode`` ("fused" adds the passage and answer-type terms).

    ``shown``: positions in ``scope.sentences`` not to answer with (the sentence a "Why?" asks about).
    """
    if mode == "fused":
        sscores = sentence_scores(sig.sent_dense, sig.sent_bm25, scores, scope.owner, st.s_dense, st.s_bm25, st.s_passage)
        wanted = answer_type(text)
        if wanted:  # "when ...?" prefers a sentence with a date, "how many ...?" one with a number
            sscores = sscores + st.s_type * types[wanted][scope.sentences]
    elif mode == "rrf":
        sscores = rrf([sig.sent_dense, sig.sent_bm25], k=st.rrf_k)
    else:
        sscores = sig.sent_dense if mode == "dense" else sig.sent_bm25
    if len(shown):  # answer from the best passages that still have a sentence to offer
        sscores = np.array(sscores, dtype=np.float64)
        sscores[list(shown)] = -np.inf
        open_ = set(scope.owner[np.isfinite(sscores)].tolist())
        top = [c for c in top if c in open_]
    return pick_sentences(
        sscores, scope.owner, composed(scores, top, st.extract_passages, st.compose_ratio), st.max_sentences, st.extra_ratio
    )


def composed(scores: np.ndarray, top: list[int], most: int, ratio: float) -> list[int]:
    """The best passage, and the next ones (up to ``most``) whose score is within ``ratio`` of it: answers may then
    combine sentences of passages the ranking cannot tell apart."""
    if not top:
        return []
    best = float(scores[top[0]])
    return top[:1] + [c for c in top[1:most] if best > 0 and float(scores[c]) >= ratio * best]
