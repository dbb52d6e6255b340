"""Training pairs: each answerable question with the ids of the index sentences that hold its gold snippet."""

from __future__ import annotations

from dataclasses import dataclass

from evaluate.run import Question, sentence_hit


@dataclass(frozen=True)
class Pair:
    """One question and every sentence id (in the index's sentence order) that answers it."""

    question: str
    sentences: tuple[int, ...]
    split: str
    id: str = ""  # the question's id in its set: the tuning record lists them, so evaluation knows what is in-sample


def pairs(questions: list[Question], texts: list[str]) -> list[Pair]:
    """Pairs from a question set (``eval/questions.jsonl`` or a feedback export, same format).

    Out-of-scope questions and follow-ups (whose words alone do not carry the question) are left out, and so is a
    question whose gold no sentence holds (its gold was written for another corpus).
    """
    out = []
    for q in questions:
        if q.out_of_scope or q.follows:
            continue
        hits = tuple(i for i, t in enumerate(texts) if sentence_hit(t, q.gold))
        if hits:
            out.append(Pair(q.question, hits, q.split, q.id))
    return out
