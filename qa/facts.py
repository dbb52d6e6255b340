"""What the index says about each sentence (entities, values, speakers), read once per loaded index from its chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from core.lexical import tokenize_query

# Which annotations hold each expected answer type (qa.analysis.AnswerType values). "Who" is answered by people
# and by the bodies that act like them ("the ministry", "members of parliament").
TYPE_LABELS = {
    "who": frozenset({"PERSON", "ORG", "NORP", "NAME"}),
    "person": frozenset({"PERSON", "NAME"}),
    "organisation": frozenset({"ORG", "NAME"}),
    "place": frozenset({"GPE", "LOC", "FAC", "ORG", "EVENT"}),
    "date": frozenset({"DATE", "TIME"}),
    "number": frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY"}),
}
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# A count in words or digits that NER may leave unlabelled ("only a few aircraft", "S-400" is not one).
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A count in words or digits that NER may leave unlabelled ("only a few aircraft"); not a year, a day of the month or
# part of a designation ("S-400", "G20").
_COUNT = re.compile(
    rf"(?<![\w-])(?!(?:1[89]|20)\d\d(?:s)?\b)\d[\d,.]*(?![\w-])(?!\s+(?:{_MONTHS})\b)|%"
    r"|\b(?:hundreds?|thousands?|millions?|billions?|dozens?|per\s*cent|percent|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|twenty|thirty|forty|fifty|a\s+few|several|a\s+handful|both)\b",
    re.I,
)
# Markers of a stated reason or purpose; English, not about any one text.
_REASON = re.compile(
    r"\b(?:because|since|as\s+a\s+result|due\s+to|owing\s+to|in\s+order\s+to|so\s+that|so\s+as\s+to|therefore|thus|hence|"
    r"the\s+reason|reasons?\s+(?:for|why)|given\s+that|for\s+fear|fears?|aims?\s+to|intends?\s+to|seeks?\s+to|wants?\s+to|"
    r"motivated|driven\s+by|stems?\s+from|rooted\s+in|explains?|which\s+is\s+why|not\s+least)\b",
    re.I,
)
_EXAMPLE = re.compile(r"\b(?:for\s+example|for\s+instance|such\s+as|e\.g\.|including|for\s+one|illustrat\w+|example)\b", re.I)


@dataclass(frozen=True)
class SentenceFacts:
    """Per sentence (index order): what it holds, as boolean arrays by answer type, and its mentions and speaker."""

    fits: dict  # answer type value -> np.ndarray[bool] over sentences
    mentions: tuple  # per sentence: tuple of (text, label, head)
    speakers: tuple  # per sentence: who the text quotes there ("" for the author's own words)
    names: frozenset  # stemmed terms of every entity name in the corpus
    example: np.ndarray  # sentences that give an example


def sentence_facts(chunks, texts: list[str]) -> SentenceFacts:
    """Build the per-sentence facts of an index from its chunks' stored annotations (core.types.Mention, Quote)."""
    mentions, speakers, names = [], [], set()
    for c in chunks:
        for s in c.sentences:
            inside = [m for m in c.mentions if m.start >= s.start and m.end <= s.end]
            mentions.append(tuple((c.text[m.start - c.start : m.end - c.start], m.label, m.head) for m in inside))
            # A sentence mostly inside a quotation, or quoting a whole clause (six words or more), is the speaker's words.
            quoted = [q for q in c.quotes if _quotes_much(c.text[max(q.start, s.start) - c.start : min(q.end, s.end) - c.start], s)]
            speakers.append(quoted[0].speaker if quoted else "")
        for m in c.mentions:
            names.update(tokenize_query(c.text[m.start - c.start : m.end - c.start]))
    labels = [{m[1] for m in ms} for ms in mentions]
    fits = {t: np.array([bool(ls & want) for ls in labels], dtype=bool) for t, want in TYPE_LABELS.items()}
    fits["date"] |= np.array([bool(_YEAR.search(t)) for t in texts], dtype=bool)
    # A count: the recogniser's CARDINAL, QUANTITY… except a year it took for one, or a count in words or digits.
    fits["number"] = np.array(
        [
            bool(_COUNT.search(t)) or any(m[1] in TYPE_LABELS["number"] and _COUNT.search(m[0]) for m in ms)
            for t, ms in zip(texts, mentions, strict=True)
        ],
        dtype=bool,
    )
    fits["reason"] = np.array([bool(_REASON.search(t)) for t in texts], dtype=bool)
    example = np.array([bool(_EXAMPLE.search(t)) for t in texts], dtype=bool)
    return SentenceFacts(fits, tuple(mentions), tuple(speakers), frozenset(names), example)


# A reader's name for a country and the text's may differ; general English, not about any one text.
_ALIASES = {"american": "us", "america": "us", "usa": "us", "u.s.": "us", "united states": "us", "british": "uk", "britain": "uk"}


def _quotes_much(inside: str, sentence) -> bool:
    return len(inside) >= 0.5 * (sentence.end - sentence.start) or len(inside.split()) >= 6


def same_entity(a: str, b: str) -> bool:
    """Whether two mentions name one country, people or person: "Spain", "Spanish" and "Spain's" do, "Roe" and
    "Jane Roe" do (every word of the shorter in the longer); "Spain" and "France", "North Korea" and "South Korea" do not."""
    x, y = (re.sub(r"[’']s$", "", w.strip()).lower().removeprefix("the ") for w in (a, b))
    x, y = _ALIASES.get(x, x), _ALIASES.get(y, y)
    short, long = sorted((x.split(), y.split()), key=len)
    return x == y or bool(short) and all(any(_same_word(w, v) for v in long) for w in short)


def _same_word(a: str, b: str) -> bool:
    n = min(len(a), len(b), 4)
    return a == b or (n >= 4 and a[:n] == b[:n])


def names_other(mentions, owner: str, head: str) -> bool:
    """Whether a sentence's ``mentions`` give ``head`` ("minister") to another country or people than ``owner``, and never
    to ``owner`` itself: "the French defence minister Jane Roe" does not answer "Who is Spain's defence minister?"."""
    on_head = [text for text, label, h in mentions if h == head and label in ("GPE", "NORP", "ORG")]
    return bool(on_head) and not any(same_entity(t, owner) for t in on_head)


def names_owner(mentions, owner: str) -> bool:
    """Whether a sentence mentions ``owner`` (a country, people, organisation or person) at all."""
    return any(label in ("GPE", "NORP", "ORG", "PERSON") and same_entity(text, owner) for text, label, _ in mentions)
