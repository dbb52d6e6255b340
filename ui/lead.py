"""An answer whose first sentence leans on the one before ("This applies to…") is shown after that sentence, as context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.chunk import split_sentences
from store.turn import Turn

# Words that, opening a sentence, point back at the sentence before it; shown alone, such a sentence dangles. The list
# is the demonstratives and pronouns a reader cannot resolve without that sentence: "There" and "Thus" carry on alone.
REFERRING = frozenset({"This", "These", "That", "Those", "Such", "It", "Its", "They", "Their"})
LABEL = "Context, the sentence before:"  # heads the added sentence, so it is read as context before it is read
_FIRST_WORD = re.compile(r"[^A-Za-z]*([A-Za-z]+)")  # past opening quotes or brackets


@dataclass(frozen=True)
class Lead:
    """The sentence before the answer's first one, in the same passage: verbatim corpus text, cited as that passage."""

    text: str
    passage: int  # index into the answer's passages, like AnswerSentence.passage
    start: int  # offsets in that passage's text
    end: int


def refers_back(sentence: str) -> bool:
    """Whether ``sentence`` opens with a word pointing at the sentence before (``REFERRING``; "Thistle" does not)."""
    first = _FIRST_WORD.match(sentence)
    return bool(first) and first[1] in REFERRING


def lead(turn: Turn) -> Lead | None:
    """The context the answer's first sentence needs, or None: it does not refer back, it opens its passage, or the
    sentence before it is already in the answer. Which sentences the engine chose is unchanged: this only adds one."""
    a = turn.answer
    if not a.answered or not a.sentences or not refers_back(a.sentences[0].text):
        return None
    first = a.sentences[0]
    text = a.passages[first.passage].text
    before = split_sentences(text[: first.start])  # the same sentence splitter that cut the passages at ingestion
    if not before:
        return None
    span = before[-1]
    if any(s.passage == first.passage and s.start < span.end and span.start < s.end for s in a.sentences):
        return None
    return Lead(text[span.start : span.end], first.passage, span.start, span.end)
