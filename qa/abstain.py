"""Decide whether the corpus answers a question at all: meaning match plus how much of the question it knows."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from core.lexical import tokenize_query

_CLOSEST = (
    "The closest passages are listed below in case they help; try rephrasing, or ask about the myths' claims, "
    "who holds them, why they are wrong, their impact on policy or what good policy looks like."
)
NO_ANSWER = "The texts do not seem to answer this question, so no answer is given. " + _CLOSEST

# The shared analyser keeps these question words; they say nothing about the topic.
QUESTION_WORDS = frozenset(
    tokenize_query(
        "who whom whose why when where what which how do does did many much is are was were can could would should will may might"
    )
)


class Evidence(NamedTuple):
    dense: float  # best cosine between the question and an allowed sentence
    coverage: float  # idf-weighted share of the question's content terms that occur in the corpus at all
    unknown_names: tuple[str, ...] = ()  # names in the question that no text contains (qa.analysis.Analyzer.unknown)


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


def no_answer_message(ev: Evidence, terms: tuple[str, ...] = ()) -> str:
    """The abstention message, naming the unknown names (and ``terms``, e.g. from ``qa.near_domain``) when that is why."""
    named = list(ev.unknown_names)
    named += [t for t in terms if t.lower() not in {n.lower() for n in named}]
    if not named:
        return NO_ANSWER
    quoted = [f"“{n}”" for n in named]
    names = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"The texts never mention {names}, so they cannot answer this. {_CLOSEST}"


def no_figure_message(what: str) -> str:
    """The abstention message when the texts hold no value of the kind asked for (``qa.near_domain.missing_quantity``).

    "a figure for China's annual defence budget" -> "The texts give no figure for China's annual defence budget, so no ...";
    "a date" -> "The texts give no date that answers this, so ...".
    """
    what = re.sub(r"^an?\s+", "", what.strip())
    if " for " not in what:
        what += " that answers this"
    return f"The texts give no {what}, so no answer is given. {_CLOSEST}"


def not_named_message(what: str) -> str:
    """The abstention message when no sentence names the person or organisation asked for: "The texts do not name
    Russia's defence minister, so …"."""
    return f"The texts do not name {what}, so no answer is given. {_CLOSEST}"


def slot_message(noun: str) -> str:
    """The abstention message when no sentence gives the value a question asks for: "The texts do not give the city this
    question asks for, so …"."""
    return f"The texts do not give the {noun or 'value'} this question asks for, so no answer is given. {_CLOSEST}"


def answerable(ev: Evidence, lexical_weight: float, threshold: float) -> bool:
    """Answer when the question names nothing unknown and best-sentence similarity plus ``lexical_weight`` x
    coverage reaches ``threshold`` (calibrated on the evaluation questions, see core.profile)."""
    return not ev.unknown_names and ev.dense + lexical_weight * ev.coverage >= threshold
