"""The features of a candidate answer sentence: similarity, passage, stance, list, slot, role, section, conversation.

Read once per question from retrieval's signals, the question's analysis (qa.analysis) and what ingestion stored about
each sentence (qa.facts, qa.discourse); qa.rank scores them with the profile's sentence model.
"""

from __future__ import annotations

import math

import numpy as np

from core.lexical import tokenize_query
from core.types import ABOUT_SECTION, AUTHOR_SECTION, STANDFIRST_SECTION, TEMPLATE_SECTIONS, TITLE_SECTION
from qa.analysis import AnswerType, QuestionAnalysis
from qa.decide import fits
from qa.discourse import MYTH, REPORTED, Discourse
from qa.facts import SentenceFacts, same_entity
from qa.followup import NEXT, Reading
from qa.retrieve import Scope, Signals
from qa.slots import fills

WRONG = TEMPLATE_SECTIONS[2]  # "Why is it wrong?": where the author answers the views the text reports
_SECTIONS = (TITLE_SECTION, STANDFIRST_SECTION, AUTHOR_SECTION, *TEMPLATE_SECTIONS)
_WHO = frozenset({AnswerType.WHO, AnswerType.PERSON})
FEATURES = (
    *("fused", "fused_gap", "fused_rank"),
    *("dense", "dense_gap", "dense_rank", "minilm", "bm25", "bm25_rank", "prev_dense", "next_dense"),
    *("passage", "passage_gap", "passage_rank", "first_in_passage", "position", "words"),
    *("reported", "myth_stance", "holder_named", "author_q", "author_q_x_reported", "author_q_x_myth", "views_q"),
    *("views_q_x_reported", "list_q", "is_item", "is_opener", "list_q_x_item", "list_q_x_opener", "item_pos", "ordinal_match"),
    *("type_fit", "strict", "slot_q", "slot_fill", "role_q", "role_match", "role_reversed", "intent"),
    *(f"section_{i}" for i in range(len(_SECTIONS))),
    *("follow_up", "in_context", "is_previous", "after_previous", "same_myth_previous", "who_q_x_person", "speaker"),
    *("names", "same_myth_top", "example_q_x_example", "reason_q_x_reason"),
    *("author_q_x_wrong", "author_q_x_standfirst", "after_reported", "yesno_q_x_reported", "yesno_q_x_myth", "focus_named"),
    *("myth_q", "myth_q_x_myth"),
)


class SentenceTable:
    """What the ranker needs of every sentence, computed once per loaded index."""

    def __init__(self, index, texts: list[str], facts: SentenceFacts, disc: Discourse):
        self.texts, self.facts, self.disc = texts, facts, disc
        self.sentence_id = {t.strip(): i for i, t in reversed(list(enumerate(texts)))}  # the first sentence of a text wins
        chunks = index.chunks
        self.chunk = np.asarray(index.sentence_chunk, dtype=np.int64)
        self.rank = np.asarray(index.sentence_rank, dtype=np.int64)
        self.count = np.array([len(chunks[c].sentences) for c in self.chunk], dtype=np.int64)
        self.myth = np.array([-1 if chunks[c].myth is None else chunks[c].myth for c in self.chunk], dtype=np.int64)
        section = {name: i for i, name in enumerate(_SECTIONS)} | {ABOUT_SECTION: 2}
        self.section = np.array([section.get(chunks[c].section or "", -1) for c in self.chunk], dtype=np.int64)
        self.section_name = [chunks[c].section or "" for c in self.chunk]
        self.words = np.array([math.log1p(len(t.split())) for t in texts])
        self.person = np.array([any(m[1] == "PERSON" for m in ms) for ms in facts.mentions], dtype=bool)
        self.holder_terms = [frozenset(tokenize_query(h)) for h in disc.holders]
        roles = [r for c in chunks for r in (c.roles if len(c.roles) == len(c.sentences) else [None] * len(c.sentences))]
        self.relations = [r.relations if r is not None else () for r in roles]

    def expand(self, sids: list[int]) -> list[int]:
        """``sids`` and every sentence of a list one of them opens or belongs to (the opener included)."""
        out = dict.fromkeys(sids)
        for s in sids:
            n = int(self.disc.list_of[s])
            if n >= 0:
                out.update(dict.fromkeys(self.disc.lists[n]))
                if self.disc.openers[n] >= 0:
                    out[self.disc.openers[n]] = None
        return list(out)


def features(a: QuestionAnalysis, sig: Signals, scores, scope: Scope, pos: np.ndarray, owner_rank, table: SentenceTable) -> np.ndarray:
    sids = scope.sentences[pos]
    dense, bm25 = np.asarray(sig.sent_dense)[pos], np.asarray(sig.sent_bm25)[pos]
    minilm = np.asarray(sig.sent_dense_by_model.get("minilm", sig.sent_dense))[pos]
    owners = scope.owner[pos]
    best_passage = float(np.max(scores)) if len(scores) else 0.0
    all_dense = np.asarray(sig.sent_dense)
    d, f, t = table.disc, table.facts, table
    follow = a.follow_up
    previous = sentence_id(t, follow.refers_to) if follow else None
    prev_myth = int(t.myth[previous]) if previous is not None else -2
    top_myth = int(t.myth[int(sids[np.argmax(scores[owners])])]) if len(sids) else -2
    q_terms = frozenset(tokenize_query(a.asked))
    q_names = [e.text for e in a.entities if e.label in ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC")]
    fit = fits(a, f, sids) if a.answer_type.value in f.fits else np.ones(len(sids), dtype=bool)
    asked = a.asked_for
    focus = follow.entity if follow is not None and follow.entity else ""  # "And India?": the new focus
    lower_names = frozenset(n.lower() for n in q_names)
    fused = dense + 0.2 * bm25 + 0.5 * np.asarray(scores)[owners]  # the similarity ranking before the ranker (qa.extract)
    rows = np.zeros((len(sids), len(FEATURES)))
    for i, s in enumerate(sids.tolist()):
        # A passage is in the scope whole, so a sentence's neighbours in its passage sit beside it there.
        before = s > 0 and t.chunk[s - 1] == t.chunk[s]
        after = s + 1 < len(t.chunk) and t.chunk[s + 1] == t.chunk[s]
        reported, myth = d.stance[s] == REPORTED, d.stance[s] == MYTH
        item, is_opener = int(d.item[s]), int(d.item[s]) == -2
        in_list = d.list_of[s] >= 0
        n_items = len(d.lists[d.list_of[s]]) if in_list else 0
        rel = t.relations[s]
        q_rel = asked.relation
        mentions = f.mentions[s]
        names = [any(same_entity(m[0], n) for m in mentions) for n in q_names]
        section = np.zeros(len(_SECTIONS))
        if t.section[s] >= 0:
            section[t.section[s]] = 1.0
        values = {
            "fused": fused[i],
            "fused_gap": float(fused.max() - fused[i]),
            "fused_rank": math.log1p(int((fused > fused[i]).sum())),
            "dense": dense[i],
            "dense_gap": float(dense.max() - dense[i]),
            "dense_rank": math.log1p(int((dense > dense[i]).sum())),
            "minilm": minilm[i],
            "bm25": bm25[i],
            "bm25_rank": math.log1p(int((bm25 > bm25[i]).sum())),
            "prev_dense": float(all_dense[pos[i] - 1]) if before else 0.0,
            "next_dense": float(all_dense[pos[i] + 1]) if after else 0.0,
            "passage": float(scores[owners[i]]),
            "passage_gap": best_passage - float(scores[owners[i]]),
            "passage_rank": math.log1p(owner_rank.get(int(owners[i]), 20)),
            "first_in_passage": float(t.rank[s] == 0),
            "position": float(t.rank[s]) / max(1, int(t.count[s]) - 1),
            "words": t.words[s],
            "reported": float(reported),
            "myth_stance": float(myth),
            "holder_named": float(bool(t.holder_terms[s] & q_terms)),
            "author_q": float(a.author_view),
            "author_q_x_reported": float(a.author_view and reported),
            "author_q_x_myth": float(a.author_view and myth),
            "views_q": float(asked.reports_view),
            "views_q_x_reported": float(asked.reports_view and reported),
            "list_q": float(asked.wants_list),
            "is_item": float(item >= 0),
            "is_opener": float(is_opener),
            "list_q_x_item": float(asked.wants_list and item >= 0),
            "list_q_x_opener": float(asked.wants_list and is_opener),
            "item_pos": float(item) if item >= 0 else -1.0,
            "ordinal_match": float(ordinal(a) is not None and item >= 0 and _ordinal_is(ordinal(a), item, n_items)),
            "type_fit": float(fit[i]),
            "strict": float(a.strict),
            "slot_q": float(bool(asked.labels) or asked.job),
            "slot_fill": float((bool(asked.labels) or asked.job) and fills(asked.labels, asked.job, mentions, t.texts[s], lower_names)),
            "role_q": float(q_rel is not None),
            "role_match": float(q_rel is not None and any(_same(q_rel, r) for r in rel)),
            "role_reversed": float(q_rel is not None and any(_same(q_rel, r[::-1]) for r in rel)),
            "intent": float(t.section_name[s] in a.sections),
            "follow_up": float(follow is not None),
            "in_context": float(follow is not None and int(t.chunk[s]) in follow.context),
            "is_previous": float(previous is not None and s == previous),
            "after_previous": float(previous is not None and s == previous + 1),
            "same_myth_previous": float(previous is not None and int(t.myth[s]) == prev_myth),
            "who_q_x_person": float(a.answer_type in _WHO and (t.person[s] or bool(f.speakers[s]))),
            "speaker": float(bool(f.speakers[s]) or reported),
            "names": float(np.mean(names)) if names else 0.0,
            "same_myth_top": float(int(t.myth[s]) == top_myth),
            "example_q_x_example": float(bool(follow and follow.reading == Reading.EXAMPLE and f.example[s])),
            "reason_q_x_reason": float(a.answer_type == AnswerType.REASON and bool(f.fits["reason"][s])),
            "author_q_x_wrong": float(a.author_view and t.section_name[s] == WRONG),
            "author_q_x_standfirst": float(a.author_view and t.section_name[s] == STANDFIRST_SECTION),
            "after_reported": float(before and d.stance[s - 1] == REPORTED and d.stance[s] != REPORTED),
            "yesno_q_x_reported": float(a.answer_type == AnswerType.YES_NO and reported),
            "yesno_q_x_myth": float(a.answer_type == AnswerType.YES_NO and myth),
            "focus_named": float(bool(focus) and any(same_entity(m[0], focus) for m in mentions)),
            "myth_q": float(asked.myth_view),
            "myth_q_x_myth": float(asked.myth_view and myth),
        }
        row = [values[name] for name in FEATURES if not name.startswith("section_")]
        rows[i] = _with_sections(row, section)
    return rows


_SECTION_AT = next(i for i, name in enumerate(FEATURES) if name.startswith("section_"))


def _with_sections(row: list[float], section: np.ndarray) -> np.ndarray:
    return np.concatenate([row[:_SECTION_AT], section, row[_SECTION_AT:]])


def _same(q: tuple[str, str], r: tuple[str, str]) -> bool:
    return same_entity(q[0], r[0]) and same_entity(q[1], r[1])


def ordinal(a: QuestionAnalysis) -> int | None:
    if a.follow_up is not None and a.follow_up.reading == Reading.ITEM:
        return a.follow_up.item
    return a.asked_for.ordinal


def _ordinal_is(wanted: int, item: int, n_items: int) -> bool:
    return item == wanted or (wanted == -1 and item == n_items - 1) or (wanted == NEXT and item > 0)


def sentence_id(table: SentenceTable, text: str) -> int | None:
    return table.sentence_id.get(text.strip()) if text.strip() else None
