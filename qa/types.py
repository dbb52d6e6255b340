"""Values the read path returns: cited passages, verbatim answer sentences, answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite it."""

    rank: int
    score: float
    text: str
    chunk_id: int
    myth: int | None
    title: str | None
    author: str | None
    section: str | None
    paragraph: int | None
    source: str
    page: int | None
    url: str | None = None
    uid: str = ""  # stable passage id (core.types.Chunk.uid)
    publisher: str | None = None
    published: str | None = None

    def citation(self) -> str:
        """Short human label, e.g. ``Myth 10 · Why is it wrong? · ¶3``."""
        parts = [f"Myth {self.myth}" if self.myth is not None else self.source]
        if self.section:
            parts.append(self.section)
        if self.paragraph is not None:
            parts.append(f"¶{self.paragraph}")
        if self.page is not None:
            parts.append(f"p. {self.page}")
        return " · ".join(parts)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("chunk_id")
        for key in ("url", "uid", "publisher", "published"):
            d.pop(key)
        return d


@dataclass(frozen=True)
class AnswerSentence:
    """One verbatim corpus sentence; ``start``/``end`` locate it inside its passage's text."""

    text: str
    passage: int  # index into Answer.passages
    start: int
    end: int
    score: float
    speaker: str = ""  # who the text quotes in this sentence (a minister), "" for the author's own words

    def to_json(self) -> dict:
        """As the JSON contracts cite it: the text and the index of its passage (and the speaker of a quotation)."""
        return {"text": self.text, "passage": self.passage} | ({"speaker": self.speaker} if self.speaker else {})


# Answer.status: what became of a question, for programs (the message says it to people).
ANSWERED = "answered"
NOT_IN_TEXTS = "not_in_texts"  # the texts do not answer it (too far from every passage, or a figure they never give)
UNKNOWN_NAME = "unknown_name"  # it names someone or something the texts never mention
BAD_FILTER = "bad_filter"  # the myth or section filter names nothing in the index, or leaves no passage
EMPTY = "empty_question"
STATUSES = (ANSWERED, NOT_IN_TEXTS, UNKNOWN_NAME, BAD_FILTER, EMPTY)


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    message: str
    sentences: tuple[AnswerSentence, ...]
    passages: tuple[Passage, ...]
    understood_as: str | None = None  # the standalone reading of a follow-up question ("And India?" → …), else None
    status: str = ANSWERED  # one of STATUSES

    def to_json(self) -> dict:
        """The stable JSON contract of ``python -m qa --json``."""
        return {
            "question": self.question,
            "answered": self.answered,
            "status": self.status,
            "message": self.message,
            "answer": [s.to_json() for s in self.sentences],
            "passages": [p.to_json() for p in self.passages],
        } | ({"understood_as": self.understood_as} if self.understood_as else {})
