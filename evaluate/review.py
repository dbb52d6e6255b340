"""The review queue of askers' votes: a thumbs-down answer becomes a question of the set (its right sentences picked from
the sources shown), or is dismissed. Accepted questions go to eval/reviewed.jsonl (a table with PostgreSQL: store.reviewed),
which learn.tune and evaluate read."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from core.errors import BadInput
from evaluate import run
from evaluate.run import squash
from store.db import ERRORS
from store.reviewed import ReviewedStore
from store.votes import FeedbackStore, Vote

REVIEW_SPLIT = "reviewed"  # its own split: figures on it are reported apart, and in-sample once learn.tune trains on it
REVIEW_KIND = "feedback"
DOWN = ("wrong", "right_passage")  # the votes an evaluator reviews: answers an asker said were wrong


@dataclass(frozen=True)
class Source:
    """One passage shown with a voted answer, as the published index reads it now."""

    uid: str
    citation: str
    sentences: tuple[str, ...]  # empty when the passage is gone from the index
    changed: bool  # its text differs from what the asker saw


def waiting(store: FeedbackStore) -> list[Vote]:
    """Thumbs-down votes nobody has reviewed yet, newest first."""
    return [v for v in reversed(store.votes()) if v.verdict in DOWN and not v.review]


def sources(engine, vote: Vote) -> list[Source]:
    """The passages the asker saw, split into sentences as the published index splits them (by stable id)."""
    out = []
    for p in vote.passages:
        cid = engine.by_uid.get(p.get("uid") or "")
        if cid is None:
            out.append(Source(p.get("uid") or "", p["citation"], (), True))
            continue
        c = engine.index.chunks[cid]
        sentences = tuple(c.text[s.start - c.start : s.end - c.start] for s in c.sentences)
        out.append(Source(c.uid, p["citation"], sentences, c.text_sha != p.get("text_sha256")))
    return out


def question_row(vote: Vote, gold: list[str], out_of_scope: bool = False) -> dict:
    """The eval/questions.jsonl row an accepted vote becomes; a follow-up is asked as its standalone reading.

    Raises:
        BadInput: an answerable question with no right sentence, or an out-of-scope one with some.
    """
    gold = [squash(g) for g in gold if g.strip()]
    if out_of_scope and gold:
        raise BadInput("Either tick the sentences that answer it, or mark it as one the texts do not answer — not both.")
    if not out_of_scope and not gold:
        raise BadInput("Tick the sentence(s) that answer the question, or mark it as one the texts do not answer.")
    return {
        "id": f"rv-{vote.answer_id[:12]}",
        "question": vote.understood_as or vote.question,
        "gold": gold,
        "kind": REVIEW_KIND,
        "out_of_scope": out_of_scope,
        "split": REVIEW_SPLIT,
        "vote": vote.id,
        "reviewed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def accept(store: FeedbackStore, vote: Vote, gold: list[str], out_of_scope: bool = False, path: Path | None = None) -> dict | None:
    """Write the vote as a question of ``path`` (default eval/reviewed.jsonl; with PostgreSQL the reviewed table) and
    mark it accepted; None when another evaluator reviewed it first."""
    row = question_row(vote, gold, out_of_scope)
    path = Path(path or run.REVIEWED)
    if same := already_asked(row["question"], [*run.default_sets(), path], but=row["id"]):
        raise BadInput(f"This question is in the set already ({same}): dismiss this vote, or edit that row's gold.")
    if not store.set_review(vote.id, "accepted"):
        return None
    try:
        ReviewedStore(path).add(row)
    except (OSError, *ERRORS):
        store.set_review(vote.id, "", was="accepted")  # back in the queue: nothing is lost
        raise
    return row


def already_asked(question: str, paths: list[Path], but: str = "") -> str | None:
    """The id of a row of ``paths`` asking ``question`` (case and spacing aside), other than row ``but``; or None."""
    key = squash(question).casefold()
    for path in dict.fromkeys(Path(p) for p in paths):
        if path.is_file():
            for q in run.load_questions(path):
                if squash(q.question).casefold() == key and q.id != but:
                    return f"{q.id} in {path.name}"
    return None


def dismiss(store: FeedbackStore, vote: Vote) -> bool:
    """Take the vote out of the queue without a question; False when it was reviewed already."""
    return store.set_review(vote.id, "dismissed")


def matching(votes: list[Vote], text: str = "", verdict: str = "") -> list[Vote]:
    """The votes whose question, standalone reading or comment holds ``text`` (case and spacing aside), of ``verdict``
    when given: what one bulk dismissal takes out of the queue."""
    key = squash(text).casefold()

    def holds(v: Vote) -> bool:
        return any(key in squash(field).casefold() for field in (v.question, v.understood_as, v.comment))

    return [v for v in votes if (not verdict or v.verdict == verdict) and holds(v)]


def dismiss_all(store: FeedbackStore, votes: list[Vote]) -> int:
    """Take every vote of ``votes`` out of the queue at once (one transaction); returns how many were still waiting."""
    return store.set_reviews([v.id for v in votes], "dismissed")
