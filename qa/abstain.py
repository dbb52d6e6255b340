"""Decide whether the corpus answers a question at all: meaning match plus how much of the question it knows."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.lexical import tokenize_query

NO_ANSWER = (
    "The texts do not seem to answer this question, so no answer is given. "
    "The closest passages are listed below in case they help; try rephrasing, or ask about the myths' claims, "
    "who holds them, why they are wrong, their impact on policy or what good policy looks like."
)

# The shared analyser keeps these question words; they say nothing about the topic.
QUESTION_WORDS = frozenset(
    tokenize_query(
        "who whom whose why when where what which how do does did many much is are was were can could would should will may might"
    )
)


class Evidence(NamedTuple):
    dense: float  # best cosine between the question and an allowed sentence
    coverage: float  # idf-weighted share of the question's content terms that occur in the corpus at all


def idf_table(bm25) -> tuple[np.ndarray, float]:
    """Lucene idf of every vocabulary term of a bm25s index, and the idf of a term no document has."""
    n_docs = float(bm25.scores["num_docs"])
    df = np.diff(bm25.scores["indptr"]).astype(np.float64)  # column pointers: one column per term
    idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    return idf, float(np.log(1.0 + (n_docs + 0.5) / 0.5))


def coverage(tokens: list[str], vocab: dict, idf: np.ndarray, unseen_idf: float) -> float:
    """Share of the question's content (idf mass, question words left out) that the corpus vocabulary holds.

    "What is the capital of France?" scores 0: the corpus never says "capital" or "France".
    """
    terms = [t for t in dict.fromkeys(tokens) if t not in QUESTION_WORDS]
    weights = [idf[vocab[t]] if t in vocab else unseen_idf for t in terms]
    known = sum(idf[vocab[t]] for t in terms if t in vocab)
    total = float(sum(weights))
    return float(known / total) if total > 0 else 0.0


def answerable(ev: Evidence, lexical_weight: float, threshold: float) -> bool:
    """Answer when best-sentence similarity plus ``lexical_weight`` x coverage reaches ``threshold``
    (both calibrated on the tune half of the questions)."""
    return ev.dense + lexical_weight * ev.coverage >= threshold
