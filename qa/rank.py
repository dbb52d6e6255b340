"""Which sentence answers: the candidate sentences of the best passages, their features, and a learned ranker over them.

Candidates are the sentences of the best passages, the whole of any list one of them opens or belongs to, and the
sentences around the previous answer of a follow-up; the profile's sentence model (``Settings.sentence_model``, fitted
leave-one-myth-out by `python -m learn`) scores them; qa.sentence_features computes the features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.lexical import tokenize_query
from qa.analysis import QuestionAnalysis
from qa.followup import NEXT, Reading
from qa.retrieve import Scope, Signals
from qa.sentence_features import FEATURES, SentenceTable, features, ordinal
from qa.slots import wants_value


@dataclass(frozen=True)
class Candidates:
    """The candidate sentences of one question: positions in the scope's sentences, and one feature row each."""

    positions: np.ndarray  # positions in ``scope.sentences``
    sids: np.ndarray  # their sentence ids
    features: np.ndarray  # float64 [len(positions), len(FEATURES)]


def candidates(a: QuestionAnalysis, sig: Signals, scores, scope: Scope, top: list[int], table: SentenceTable, passages: int) -> Candidates:
    """The candidate sentences of one question and their features.

    Args:
        a: the question's analysis. sig, scores, scope, top: retrieval's signals, passage scores (over ``scope.chunks``),
            scope and passage ranking (positions in ``scope.chunks``, best first).
        table: the index's SentenceTable. passages: how many of the best passages give their sentences.
    """
    owner_rank = {int(c): r for r, c in enumerate(top)}
    wanted = {int(c) for c in top[:passages]}
    context = set(a.follow_up.context) if a.follow_up else set()
    chunk_pos = {int(g): i for i, g in enumerate(scope.chunks)}
    wanted |= {chunk_pos[c] for c in context if c in chunk_pos}
    first = np.flatnonzero(np.isin(scope.owner, list(wanted)))
    sids = table.expand([int(scope.sentences[p]) for p in first])
    pos = np.searchsorted(scope.sentences, sids)
    keep = (pos < len(scope.sentences)) & (scope.sentences[np.minimum(pos, len(scope.sentences) - 1)] == sids)
    pos = np.unique(pos[keep])
    return Candidates(pos, scope.sentences[pos], features(a, sig, scores, scope, pos, owner_rank, table))


def cited_first(picks: list, top: list[int], k: int) -> list[int]:
    """The passages (positions in the scope) to list: those the answer cites, in the order it cites them, then the rest of
    the ranking, ``k`` in all or as many as are cited."""
    cited = list(dict.fromkeys(p.chunk for p in picks))
    return (cited + [c for c in top if c not in cited])[: max(k, len(cited))]


def unfilled(a: QuestionAnalysis, cands: Candidates, scored: np.ndarray, st) -> bool:
    """Whether a question asking for a value ("In which city…?", "Which newspaper…?", "What was her job?") finds no
    candidate among the ``st.slot_window`` best that gives one: then the texts do not say, and the answer says so."""
    if not (st.slot_rule and wants_value(a.asked_for)) or not len(scored):
        return False
    col = FEATURES.index("slot_fill")
    best = np.argsort(-scored, kind="stable")[: st.slot_window]
    return not any(cands.features[i, col] > 0 for i in best)


def _prefer(order: list[int], features: np.ndarray, col: dict, a: QuestionAnalysis, st) -> list[int]:
    """Hard preferences kept where they won leave-one-myth-out (each a setting): a value of the kind a strict question asks
    for ("When…?"), the author's own sentences for a question on the author's view, the previous answer's myth for a
    follow-up. Each applies only when some candidate meets it."""
    keep = []
    if a.strict and st.strict_filter:
        keep.append(lambda i: features[i, col["type_fit"]] > 0)
    if a.author_view and st.author_rule:
        keep.append(lambda i: features[i, col["reported"]] == 0 and features[i, col["myth_stance"]] == 0)
    if wants_value(a.asked_for) and st.slot_rule:
        keep.append(lambda i: features[i, col["slot_fill"]] > 0)
    if a.asked_for.relation is not None and st.role_rule:
        keep.append(lambda i: features[i, col["role_reversed"]] == 0)
    if a.follow_up is not None and st.follow_myth_rule:
        keep.append(lambda i: features[i, col["same_myth_previous"]] > 0)
    for rule in keep:
        order = [i for i in order if rule(i)] or order
    return order


def _source(table: SentenceTable, anchor: int | None, where: dict) -> int | None:
    """The sentence that names the holder of ``anchor``'s reported view: ``anchor`` itself when it names them, else the
    closest sentence before it in its passage that does (a quotation running over two sentences names its speaker in
    the first)."""
    if anchor is None or not table.holder_terms[anchor]:
        return None
    terms = table.holder_terms[anchor]
    s = anchor
    while s >= 0 and table.chunk[s] == table.chunk[anchor]:
        if s in where and terms & set(tokenize_query(table.texts[s])):
            return s
        s -= 1
    return None


def _item(disc, anchor: int, wanted: int) -> int | None:
    """The sentence of item ``wanted`` (NEXT: the one after ``anchor``'s) of the list ``anchor`` belongs to."""
    if wanted == NEXT:
        here = int(disc.item[anchor])
        return disc.item_at(anchor, here + 1 if here >= 0 else 0)
    return disc.item_at(anchor, wanted)


def score(model, features: np.ndarray) -> np.ndarray:
    """The sentence model's score of each candidate row (higher answers better); a logistic model holds a weight per
    feature name and "bias"; no model falls back to the fused similarity (``dense`` + 0.2 ``bm25`` + 0.5 ``passage``)."""
    if not model:
        return features[:, FEATURES.index("fused")]
    w = np.array([float(model.get(name, 0.0)) for name in FEATURES])
    mean = np.array([float(model.get("mean", {}).get(name, 0.0)) for name in FEATURES]) if "mean" in model else 0.0
    scale = np.array([float(model.get("scale", {}).get(name, 1.0)) for name in FEATURES]) if "scale" in model else 1.0
    return ((features - mean) / scale) @ w + float(model.get("bias", 0.0))


def choose(a: QuestionAnalysis, cands: Candidates, scored: np.ndarray, scope: Scope, table: SentenceTable, st, shown=()) -> list:
    """The answer sentences, best first, as qa.extract.Pick (scope positions): the best candidate; for a question asking
    for a list's items whose best candidate opens or belongs to a list, that list's items in order; otherwise the next
    candidates the sentence model finds at least ``st.extra_share`` as likely as the best (with no model: scoring
    ``st.extra_ratio`` of its similarity), up to ``st.max_sentences``."""
    from qa.extract import Pick

    order = [i for i in np.argsort(-scored, kind="stable") if int(cands.positions[i]) not in set(shown)]
    col = {name: n for n, name in enumerate(FEATURES)}
    order = _prefer(order, cands.features, col, a, st)
    if not order:
        return []
    sids = [int(scope.sentences[p]) for p in cands.positions]
    where = {s: i for i, s in enumerate(sids)}

    def pick(i: int) -> Pick:
        p = int(cands.positions[i])
        return Pick(p, int(scope.owner[p]), float(scored[i]))

    wanted = ordinal(a)
    if wanted is not None and st.item_rule:  # "What's the second one?": that item of the list shown, or of the best list
        anchors = [table.sentence_id.get(a.follow_up.refers_to.strip())] if a.follow_up is not None else []
        anchors += [sids[i] for i in order]
        anchor = next((s for s in anchors if s is not None and table.disc.list_of[s] >= 0), None)
        if anchor is not None:
            target = _item(table.disc, anchor, wanted)
            if target is not None and target in where:
                return [pick(where[target])]
    if a.follow_up is not None and a.follow_up.reading == Reading.SOURCE and st.item_rule:
        said = _source(table, table.sentence_id.get(a.follow_up.refers_to.strip()), where)
        if said is not None:  # "Who said that?": the sentence naming whose words the answer shown gives
            return [pick(where[said])]
    best = order[0]
    sid = sids[best]

    if a.asked_for.wants_list and table.disc.list_of[sid] >= 0:
        items = table.disc.lists[table.disc.list_of[sid]]
        listed = [pick(where[s]) for s in items if s in where][: st.max_sentences]
        if listed:
            return listed
    if st.sentence_model:  # the model's scores are log-odds among the candidates: a further sentence half as likely
        s = np.asarray(scored, dtype=np.float64)
        share, least = np.exp(s - s[best]), st.extra_share
    else:  # fused similarity: a further sentence scoring 90% of the best
        share, least = np.asarray(scored, dtype=np.float64) / max(float(scored[best]), 1e-9), st.extra_ratio
    picks = [pick(best)]
    for i in order[1:]:
        if len(picks) >= st.max_sentences or share[i] < least:
            break
        picks.append(pick(i))
    return picks
