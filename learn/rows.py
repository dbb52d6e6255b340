"""What each learned part learns from, collected in one pass of an engine over one myth's questions."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from evaluate.answerability import swaps
from evaluate.run import Question, sentence_hit
from learn.folds import with_settings
from qa.abstain import Evidence
from qa.decide import FEATURES as ANSWER_FEATURES
from qa.followup import Turn
from qa.trace import Trace
from qa.types import UNKNOWN_NAME


@dataclass
class Rows:
    """One myth's rows: candidate sentences (features, gold or not) per answerable question, the answer model's features
    per question, the abstention evidence, and the fit ratio of questions that must hold a kind of value."""

    myth: int
    ranking: list[tuple[np.ndarray, np.ndarray]]  # per answerable question: candidate features, gold labels
    kinds: list[str]  # the kind of each of those questions (factoid, follow-up, …), for figures by kind
    answer: list[tuple[str, str, dict, bool]]  # (split, kind, features, answerable), as evaluate.answerability
    evidence: list[tuple[Evidence, bool]]  # (evidence, out of scope), as evaluate.calibrate
    fit: list[tuple[float, bool]]  # (fit ratio, out of scope), as evaluate.fit


def plain(engine):
    """The engine with no learned decision or sentence model and the fit check off: what every row is read from."""
    settings = replace(engine.settings, answer_model={}, sentence_model={}, fit_relevance=0.0)
    return with_settings(engine, settings)


def collect(engine, myth: int, questions: list[Question]) -> Rows:
    """Ask every question (a follow-up right after the turn it follows) and read what each learned part needs."""
    e = plain(engine)
    rows = Rows(myth, [], [], [], [], [])
    turns: dict[str, Turn] = {}
    for q in questions:
        previous = [turns[q.follows]] if q.follows in turns else []
        trace = Trace()
        answer = e.ask(q.question, k=10, previous=previous, trace=trace)
        turns[q.id] = Turn.of(answer)
        _read(rows, e, q, answer, trace.values, follow_up=bool(previous))
    for q in swaps(e, [q for q in questions if not q.follows]):  # hard unanswerable questions for the answer model
        trace = Trace()
        answer = e.ask(q.question, k=10, trace=trace)
        _read(rows, e, q, answer, trace.values, follow_up=False)
    return rows


def _read(rows: Rows, engine, q: Question, answer, values: dict, follow_up: bool) -> None:
    cands = values.get("candidates")
    if not q.out_of_scope and cands is not None and len(cands.positions):
        labels = np.array([sentence_hit(engine.texts[int(s)], q.gold) for s in cands.sids], dtype=bool)
        rows.ranking.append((cands.features, labels))
        rows.kinds.append(q.kind)
    if "dense" not in values or follow_up:
        return
    named = answer.status == UNKNOWN_NAME
    rows.evidence.append((Evidence(values["dense"], values["coverage"], ("?",) if named else ()), q.out_of_scope))
    if named:
        return
    rows.answer.append((q.split, q.kind, {k: values[k] for k in ANSWER_FEATURES}, not q.out_of_scope))
    if values.get("strict") and answer.answered:
        rows.fit.append((values["fit"], q.out_of_scope))
