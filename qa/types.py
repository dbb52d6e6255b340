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
    stance: str = "author"  # whose view it gives (core.types.Role): "author", "reported" (a view the text reports) or "myth"
    holder: str = ""  # whose view a reported sentence gives, as the text names them ("Some analysts"), when it does

    def attribution(self) -> str:
        """Whose words or view the sentence gives, for a reader ("the minister, quoted", "the view of some analysts, reported",
        "the myth, as the text states it"); "" for the author's own."""
        if self.speaker:
            return f"{' '.join(self.speaker.split())}, quoted"
        if self.stance == "reported":
            who = " ".join(self.holder.split())
            first, _, rest = who.partition(" ")
            who = f"{first.lower()} {rest}".strip() if first.lower() in _DETERMINERS else who
            return f"the view of {who}, reported" if who else "a view the text reports"
        return "the myth, as the text states it" if self.stance == "myth" else ""

    def to_json(self) -> dict:
        """As the JSON contracts cite it: the text and the index of its passage, the speaker of a quotation, and whose
        view a sentence that is not the author's gives (``stance`` "reported" or "myth", ``holder``)."""
        out = {"text": self.text, "passage": self.passage} | ({"speaker": self.speaker} if self.speaker else {})
        if self.stance != "author":
            out |= {"stance": self.stance} | ({"holder": self.holder} if self.holder else {})
        return out


_DETERMINERS = frozenset("some many several most few the a an these those other parts".split())


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
    # A follow-up whose reading is no question a reader could ask on its own ("Why?" → "Why: <sentence>"): the previous
    # question and the answer sentence it was read against, which the app shows instead of the reading.
    read_against: tuple[str, str] | None = None

    def to_json(self) -> dict:
        """The stable JSON contract of ``python -m qa --json``."""
        return (
            {
                "question": self.question,
                "answered": self.answered,
                "status": self.status,
                "message": self.message,
                "answer": [s.to_json() for s in self.sentences],
                "passages": [p.to_json() for p in self.passages],
            }
            | ({"understood_as": self.understood_as} if self.understood_as else {})
            | ({"read_against": {"question": self.read_against[0], "answer": self.read_against[1]}} if self.read_against else {})
        )
