"""After retrieval: the one answer-or-refuse decision, and which verbatim sentences answer, per retrieval mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.lexical import tokenize_query
from core.profile import Settings
from qa.abstain import Evidence, answerable, no_answer_message, no_figure_message, not_named_message
from qa.analysis import AnswerType, QuestionAnalysis
from qa.extract import Pick, pick_sentences
from qa.facts import SentenceFacts, names_other, names_owner, same_entity
from qa.fusion import rrf
from qa.near_domain import asked_for
from qa.retrieve import Scope, Signals
from qa.types import NOT_IN_TEXTS, UNKNOWN_NAME

_WHAT = {AnswerType.DATE: "date", AnswerType.NUMBER: "count"}
_NAMED = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "LAW"})


# Names of which a strict question's answer must mention one ("Which firms has *the EU* sanctioned?"). Countries, places
# and nationalities are left out: readers and texts name them differently ("Beijing", "China", "Chinese").
_MUST_NAME = frozenset({"PERSON", "ORG", "FAC", "PRODUCT", "EVENT", "LAW"})


def fits(a: QuestionAnalysis, facts: SentenceFacts, sids, texts=None) -> np.ndarray:
    """Which of the sentences ``sids`` hold what ``a`` asks for and are not about another owner than its focus; with
    ``texts`` (the index's sentence texts), also name the role asked for ("minister") and every name the question uses."""
    sids = np.asarray(sids, dtype=np.int64)
    ok = facts.fits[a.answer_type.value][sids] if a.answer_type.value in facts.fits else np.ones(len(sids), dtype=bool)
    if a.focus is not None:
        ok = ok & ~np.array([names_other(facts.mentions[s], a.focus.owner, a.focus.head) for s in sids], dtype=bool)
    # "Who is Russia's defence minister?", "How many icebreakers does China have?": a sentence that names Russia (China),
    # or whose sentence before does, for "Its defence minister" after "Norway offers a useful model."
    owner = a.focus.owner if a.focus is not None and a.focus.identity else a.subject
    if owner:
        near = [facts.mentions[s] + (facts.mentions[s - 1] if s > 0 else ()) for s in sids]
        ok = ok & np.array([names_owner(m, owner) for m in near], dtype=bool)
    if texts is not None:
        owner = a.focus.owner if a.focus else ""
        names = [t for e in a.entities if e.label in _MUST_NAME and e.text != owner if (t := tokenize_query(e.text))]
        role = tokenize_query(a.focus.head) if a.focus and a.focus.identity else []
        for i, s in enumerate(sids):
            if ok[i] and (names or role):
                words = set(tokenize_query(texts[s]))
                # One of the names is enough: texts say "Moscow" where readers say "Russia".
                ok[i] = (not names or any(any(t in words for t in n) for n in names)) and (not role or any(t in words for t in role))
    return ok


FEATURES = ("dense", "coverage", "fit", "strict", "entities", "follow_up")


@dataclass(frozen=True)
class Grounds:
    """What every decision reads from the index and its profile: the same for every question an engine answers."""

    facts: SentenceFacts
    texts: Sequence[str]  # every sentence's text, by sentence id
    vocab: dict  # stemmed terms of every sentence (the BM25 vocabulary)
    abstention: tuple | None  # the calibrated entry (model, lexical weight, threshold): core.profile.Settings.abstention
    settings: Settings


@dataclass(frozen=True)
class Case:
    """One question as retrieval left it, for the decision: its analysis, its evidence, the candidate sentences of the
    best three passages in rank order (the first ``best`` of them the best passage's) and their ``relevance``."""

    analysis: QuestionAnalysis
    evidence: Evidence
    candidates: list[int]
    best: int
    relevance: np.ndarray


def features(case: Case, g: Grounds) -> dict[str, float]:
    """What the answer-or-refuse decision reads, for one question: the closest sentence's cosine (``dense``), the share of
    its terms the corpus knows (``coverage``), how well the best passages hold the kind of value asked for (``fit``: the
    ratio of qa.decide.fit_ratio, 1 when the question asks for no such value), whether it must (``strict``), the share of
    the names it uses that the best passage mentions (``entities``), and ``follow_up``."""
    a, ev = case.analysis, case.evidence
    names = [e.text for e in a.entities if e.label in _NAMED]
    seen = [m for s in case.candidates[: case.best] for m in g.facts.mentions[s]]
    found = sum(any(m[1] in _NAMED and same_entity(m[0], n) for m in seen) for n in names)
    return {
        "dense": float(ev.dense),
        "coverage": float(ev.coverage),
        "fit": fit_ratio(a, g.facts, case.candidates, case.relevance, g.texts) if a.strict else 1.0,
        "strict": float(a.strict),
        "entities": found / len(names) if names else 1.0,
        "follow_up": float(a.follow_up is not None),
    }


def learned(model, f: dict[str, float]) -> float:
    """The answer model's probability that the texts answer (logistic: ``model`` holds a weight per feature, "bias")."""
    z = model.get("bias", 0.0) + sum(model.get(k, 0.0) * v for k, v in f.items())
    return float(1.0 / (1.0 + np.exp(-z)))


def decide(case: Case, g: Grounds, f: dict[str, float]) -> tuple[str, str] | None:
    """The one answer-or-refuse decision, for questions and follow-ups alike: (status, message), or None to answer.
    ``f`` is ``features(case, g)``.

    Names and key terms the texts never use refuse first, and say so; then the calibrated abstention entry and the
    answer-type check; then the learned answer model of the profile (``Settings.answer_model``), when it has one:
    cross-validated by split, the rules and the model together refused more unanswerable questions than either alone
    (evaluate.answerability, eval/README.md round 6).
    """
    a, ev, st = case.analysis, case.evidence, g.settings
    first = refusal(a, ev, g.abstention, g.vocab, st) or fit_refusal(a, case.candidates, g.facts, st, case.relevance, g.texts)
    if first or not st.answer_model or learned(st.answer_model, f) >= st.answer_model.get("threshold", 0.5):
        return first
    return missing(a) if a.strict else (NOT_IN_TEXTS, no_answer_message(ev))


def refusal(a: QuestionAnalysis, ev: Evidence, abstention, vocab: dict, st: Settings) -> tuple[str, str] | None:
    """(status, message) when the texts do not answer ``a`` by its words and evidence, else None (then ``fit_refusal``).

    Follow-ups are decided like any question: names or key terms the texts never use, then too little evidence (the
    profile's calibrated abstention entry).
    """
    terms = a.unknown_terms if st.near_domain else ()
    if ev.unknown_names or terms:
        return UNKNOWN_NAME, no_answer_message(ev, terms)
    if abstention is not None and not answerable(ev, abstention[1], abstention[2]):
        return NOT_IN_TEXTS, no_answer_message(ev)
    return None


def fit_refusal(a: QuestionAnalysis, candidates, facts: SentenceFacts, st: Settings, relevance=None, texts=None) -> tuple[str, str] | None:
    """(status, message) when no candidate sentence (those of the best passages) holds the kind of value ``a`` must be
    answered with, is not about another owner than the one asked, and is about what the question is about: its
    ``relevance`` (its dense and lexical closeness to the question, one per candidate) reaches ``st.fit_relevance`` of the
    best candidate's. Else None."""
    if not (st.near_domain and a.strict and len(candidates)) or _answering(a, facts, candidates, relevance, st.fit_relevance, texts):
        return None
    return missing(a)


def missing(a: QuestionAnalysis) -> tuple[str, str]:
    """The refusal of a question whose kind of answer the texts do not give, saying what is missing."""
    if a.answer_type in _WHAT:
        return NOT_IN_TEXTS, no_figure_message(asked_for(a.asked, _WHAT[a.answer_type]))
    kind = {AnswerType.WHO: "the person", AnswerType.PERSON: "the person", AnswerType.ORGANISATION: "the organisation"}
    return NOT_IN_TEXTS, not_named_message(a.focus.phrase if a.focus else f"{kind.get(a.answer_type, 'what')} this question asks for")


def fit_ratio(a: QuestionAnalysis, facts: SentenceFacts, candidates, relevance, texts=None) -> float:
    """The best relevance of a candidate that fits ``a`` over the best of all (0 when none fits)."""
    ok = fits(a, facts, candidates, texts)
    if not ok.any():
        return 0.0
    rel = np.maximum(np.asarray(relevance, dtype=np.float64), 1e-9)
    return float(rel[ok].max() / rel.max())


def _answering(a: QuestionAnalysis, facts: SentenceFacts, candidates, relevance, ratio: float, texts) -> bool:
    if relevance is None:
        return bool(fits(a, facts, candidates, texts).any())
    return fit_ratio(a, facts, candidates, relevance, texts) >= ratio


def choose_sentences(sig: Signals, scores: np.ndarray, scope: Scope, top: list[int], st: Settings, mode: str, shown=()) -> list[Pick]:
    """The 1-3 best sentences of the best passages for a baseline ``mode`` ("rrf", "dense", "bm25", compared with the fused
    answer by `evaluate --compare`; the fused answer's sentences are qa.rank's).

    ``shown``: positions in ``scope.sentences`` not to answer with (the sentence a "Why?" asks about).
    """
    if mode == "rrf":
        sscores = rrf([sig.sent_dense, sig.sent_bm25], k=st.rrf_k)
    else:
        sscores = sig.sent_dense if mode == "dense" else sig.sent_bm25
    sscores = np.array(sscores, dtype=np.float64)
    if len(shown):  # answer from the best passages that still have a sentence to offer
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
