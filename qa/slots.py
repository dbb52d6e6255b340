"""What a question asks for, from its parse: the slot (the noun of its wh-phrase), who acts on whom, a list or an item of
one, and whether it quotes someone's view to ask the author's. English grammar only; names come from the parse."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.grammar import ACTORS, LIST_NOUNS, ORDINALS, relations, reporter
from core.lexical import stem

# Entity labels that fill a slot, by the slot noun's stem; a noun not listed here is filled by its own kind of answer
# type (qa.analysis). General English nouns for places, outlets, roles, spans of time and amounts.
_PLACE = frozenset("GPE LOC FAC".split())
_TOWN = frozenset("GPE FAC".split())  # a city is no sea or mountain range
_OUTLET = frozenset("ORG WORK_OF_ART NAME PERSON".split())
_AMOUNT = frozenset("MONEY CARDINAL QUANTITY PERCENT".split())
SLOT_LABELS = {
    **{stem(w): _TOWN for w in "city town capital village port venue base".split()},
    **{stem(w): _PLACE for w in "region country place location province area".split()},
    **{
        stem(w): _OUTLET
        for w in """newspaper paper daily outlet magazine site website channel broadcaster agency publication journal tabloid
        network station firm company bank factory plant shipyard manufacturer producer supplier institute organisation
        organization""".split()
    },
    **{stem(w): _AMOUNT for w in "budget amount cost price figure sum size number share percentage proportion value".split()},
    **{stem(w): frozenset({"DATE", "TIME"}) for w in "date year month day duration".split()},
    stem("age"): frozenset({"AGE"}),  # read from the text itself (AGE_RE): a date is no age
    **{stem(w): frozenset({"PERSON"}) for w in "name person".split()},
}
# Nouns naming a person's job: a sentence answers "What was her job?" when it gives one of them.
ROLE_NOUNS = re.compile(
    r"\b(?:minister|secretary|director|deputy|head|chief|spokes\w+|advis[eo]r|commander|admiral|general|colonel|captain|"
    r"officer|official|president|chair\w*|fellow|professor|analyst|researcher|rapporteur|ambassador|envoy|diplomat|"
    r"recruiter|founder|owner|executive|manager|editor|journalist|correspondent|member|lawmaker|governor|mayor|leader|"
    r"representative|adviser|chancellor|premier|general|marshal|lieutenant|major|sergeant|engineer|economist|historian)s?\b",
    re.I,
)
_JOB = frozenset(stem(w) for w in "job role position post title function occupation profession".split())
_HOW = {"long": "duration", "old": "age", "big": "size", "large": "size", "much": "amount", "far": "distance"}
_MYTH_VIEW = re.compile(
    r"\b(?:under|according\s+to|in|by)\s+(?:the|this)\s+(?:myth|misconception|narrative|account)\b|"
    r"\b(?:the|this)\s+myth(?:['’]s)?\s+(?:says?|claims?|holds?|assumes?|suggests?|view|version|story)\b",
    re.I,
)
_ORDINAL_Q = re.compile(r"\b(?:the|its|their|her|his)\s+(first|second|third|fourth|fifth|last|final)\s+(\w+)", re.I)


@dataclass(frozen=True)
class Asked:
    """What one question asks for (qa.analysis.QuestionAnalysis.asked_for)."""

    slot: str = ""  # stem of the noun of its wh-phrase ("which *newspaper*", "in what *city*", "what was her *job*"), or ""
    noun: str = ""  # that noun as the question words it, for the message when no sentence gives it
    labels: frozenset = frozenset()  # entity labels of which an answer sentence holds one (empty: no such constraint)
    job: bool = False  # asks for someone's job or role
    relation: tuple[str, str] | None = None  # (agent, patient) it asks about: "Is China arming Russia?" → China, Russia
    wants_list: bool = False  # "What are the reasons …?", "What forms does it take?": the items of a list answer
    ordinal: int | None = None  # "the third reason" → 2, "the last step" → -1
    reports_view: bool = False  # it states someone's view ("X says …", "Some call it Y") before asking about it
    myth_view: bool = False  # it asks what the myth holds ("Under the myth, …", "according to the myth")


def asked(doc) -> Asked:
    """Read ``doc`` (a spaCy parse of the question) for what it asks."""
    slot = _slot(doc)
    key = stem(slot) if slot else ""
    rel = _relation(doc)
    m = _ORDINAL_Q.search(doc.text)
    wants_list = _wants_list(doc) or (slot.endswith("s") and key in LIST_NOUNS)
    return Asked(
        slot=key,
        noun=slot,
        labels=SLOT_LABELS.get(key, frozenset()),
        job=key in _JOB and _about_person(doc),
        relation=rel,
        wants_list=wants_list and m is None,
        ordinal=ORDINALS[m.group(1).lower()] if m and stem(m.group(2)) in LIST_NOUNS | {"one"} else None,
        myth_view=bool(_MYTH_VIEW.search(doc.text)),
        reports_view=any(reporter(t) for t in doc if t.pos_ in ("VERB", "AUX")) or bool(re.search(r"[‘“\"].{12,}[’”\"]", doc.text)),
    )


def _slot(doc) -> str:
    """The noun a question asks for: the head of its wh-determiner ("which newspaper"), the noun "what" stands for
    ("What was her job?"), or a measure of "how" ("how long" → duration)."""
    for t in doc:
        if t.lower_ in ("which", "what", "whose"):  # the next noun, past adjectives ("which Russian newspaper"); the small
            nxt = next((u for u in doc[t.i + 1 : t.i + 4] if u.pos_ not in ("ADJ", "PROPN") or u.tag_ == "NN"), None)  # parser
            if nxt is not None and nxt.pos_ == "NOUN":  # often gets "In which city did …" wrong
                return nxt.lower_
        if t.lower_ == "how" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ in _HOW:
            nxt = doc[t.i + 2] if t.i + 2 < len(doc) else None
            if doc[t.i + 1].lower_ == "much" and nxt is not None and nxt.pos_ == "NOUN":
                return nxt.lower_
            return _HOW[doc[t.i + 1].lower_]
    for t in doc:  # "What was her job?", "What is the name of …?": the noun the wh-word is the attribute of
        if t.lower_ in ("what", "which") and t.dep_ in ("attr", "nsubj"):
            be = t.head
            noun = next((c for c in be.children if c.dep_ in ("nsubj", "attr") and c.pos_ == "NOUN" and c is not t), None)
            if noun is not None:
                return noun.lower_
    return ""


def _about_person(doc) -> bool:
    """Whether the question is about a person ("What was her job?", "What post did the admiral hold?"), not about a state or
    body ("What role could China play?")."""
    return any(e.label_ == "PERSON" for e in doc.ents) or any(t.lower_ in ("he", "she", "his", "her", "him") for t in doc)


def _relation(doc) -> tuple[str, str] | None:
    """(agent, patient) of a question naming two actors: the verb's subject and object when the parse finds them, else
    the two names in the order asked ("Is China arming Russia?"), swapped for a passive ("Is Russia armed by China?")."""
    found = relations(list(doc))
    if found:
        return found[0]
    names = [e for e in doc.ents if e.label_ in ACTORS]
    if len(names) < 2:
        return None
    a, p = names[0], names[1]
    passive = any(t.tag_ == "VBN" for t in doc[a.end : p.start]) and any(t.lower_ == "by" for t in doc[a.end : p.start])
    return (p.text, a.text) if passive else (a.text, p.text)


def _wants_list(doc) -> bool:
    """Whether the question asks for the items of a list: a plural list noun asked for ("What are the risks?", "What
    forms does the cooperation take?", "Name the steps")."""
    for t in doc:
        if t.tag_ == "NNS" and stem(t.lower_) in LIST_NOUNS:
            wh = any(c.lower_ in ("what", "which") for c in t.children) or (
                t.dep_ in ("nsubj", "attr") and any(c.lower_ in ("what", "which") for c in t.head.children)
            )
            if wh or doc[0].lower_ in ("list", "name", "give") or "main" in (c.lower_ for c in t.children):
                return True
    return False


def wants_value(a: Asked) -> bool:
    """Whether the question asks for a value a sentence must give: a place, an outlet, an amount, a date, a job."""
    return bool(a.labels) or a.job


AGE_RE = re.compile(r"\b(?:aged|age\s+of)\s+\d+|\b\d+-year-old\b|\b\d+\s+years?\s+old\b", re.I)


def fills(labels: frozenset, job: bool, mentions, text: str, question_names: frozenset) -> bool:
    """Whether a sentence (its stored ``mentions`` and ``text``) fills the slot: a mention of one of ``labels`` that the
    question does not already name, a job noun for a job question, an age for "How old…?"."""
    if job:
        return bool(ROLE_NOUNS.search(text))
    if "AGE" in labels:
        return bool(AGE_RE.search(text))
    return any(label in labels and m.lower() not in question_names for m, label, _ in mentions)
