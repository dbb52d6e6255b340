"""One chat turn as a value (Turn, Claim, Feedback) and its JSON form, so stored conversations redraw exactly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from qa.types import ANSWERED, NOT_IN_TEXTS, Answer, AnswerSentence, Passage

FORMAT = 1  # version of the stored turn JSON; bump when a field changes meaning


@dataclass(frozen=True)
class Claim:
    """What a claim check found beyond its sentences and passages (which the Turn's answer carries)."""

    matched: bool
    myth: int | None = None
    title: str | None = None
    author: str | None = None
    score: float = 0.0


@dataclass(frozen=True)
class Turn:
    """One question (or claim) and its answer, as shown in the chat and stored with the conversation."""

    id: str
    answer: Answer
    index_version: str
    ms: float  # server time to answer
    myth: int | None = None
    section: str | None = None
    models: tuple[str, ...] = ()  # model keys that answered (recorded with a vote)
    profile: str = ""  # settings profile name that answered
    k: int = 5  # sources asked for
    asked_at: float = 0.0  # epoch seconds
    notice: str = ""  # shown above the answer, e.g. that the index changed since a permalink was made
    claim: Claim | None = None  # set for a claim check; answer.question is then the claim
    typed: str = ""  # the question as typed, shortened for display (the engine may read only part of a long one)

    @property
    def question(self) -> str:
        return self.answer.question

    def cited(self) -> list[int]:
        """Indexes of the passages the answer sentences come from, in first-cited order."""
        return list(dict.fromkeys(s.passage for s in self.answer.sentences))

    def numbers(self) -> dict[int, int]:
        """The number a reader sees for each passage index: the cited ones 1, 2, 3… in the order the answer first cites
        them (so markers read [1] [2] [3] down the answer), then the others in rank order."""
        cited = self.cited()
        rest = [i for i in range(len(self.answer.passages)) if i not in cited]
        return {i: n for n, i in enumerate(cited + rest, 1)}

    def filters(self) -> str:
        """The filters this turn was answered with, e.g. ``Myth 10 · Why is it wrong?`` ("" when none)."""
        return " · ".join(f for f in (f"Myth {self.myth}" if self.myth is not None else "", self.section or "") if f)


@dataclass(frozen=True)
class Feedback:
    """The reader's current vote on one answer, as the feedback controls show it."""

    verdict: str | None = None  # a key of store.votes.VERDICTS; None before a vote or once it is cleared
    comment: str = ""


def feedback_from_json(d: dict) -> Feedback:
    """Rebuild stored feedback (unknown keys ignored)."""
    return _build(Feedback, d)


def _build(cls, data: dict, **nested):
    # Unknown keys are dropped so rows written by a newer app still load; missing required ones raise TypeError.
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names} | nested)


def answer_from_json(d: dict) -> Answer:
    """Rebuild an Answer from ``dataclasses.asdict`` output (a superset of ``Answer.to_json``)."""
    sentences = tuple(_build(AnswerSentence, s) for s in d.get("sentences", ()))
    passages = tuple(_build(Passage, p) for p in d.get("passages", ()))
    return _build(Answer, d, sentences=sentences, passages=passages)


def turn_to_json(t: Turn) -> dict:
    """The turn as JSON-ready data: every field of the answer (offsets, urls, ids) so it redraws as it was."""
    return {"format": FORMAT} | asdict(t)


def turn_from_json(d: dict) -> Turn:
    """Rebuild a Turn from ``turn_to_json`` output.

    Raises:
        ValueError: the data is not a stored turn (wrong format or missing fields).
    """
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ValueError("not a stored turn of this format")
    try:
        claim = _build(Claim, d["claim"]) if d.get("claim") else None
        return _build(Turn, d, answer=answer_from_json(d["answer"]), models=tuple(d.get("models", ())), claim=claim)
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"incomplete stored turn: {e}") from e


def from_claim_result(result) -> tuple[Answer, Claim]:
    """Split a qa.claim.ClaimResult into the Answer the chat draws and the Claim facts shown above it."""
    answered = bool(result.matched and result.sentences)
    status = ANSWERED if answered else NOT_IN_TEXTS
    answer = Answer(result.claim, answered, result.message, tuple(result.sentences), tuple(result.passages), status=status)
    claim = Claim(bool(result.matched), result.myth, result.title, result.author, float(result.score))
    return answer, claim
