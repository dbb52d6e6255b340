"""Rule-based rewriting of short chat follow-ups ("And India?", "Why?", "Who said that?") into standalone questions."""

import re
from collections.abc import Sequence
from typing import NamedTuple


class Turn(NamedTuple):
    question: str  # the question as typed, or as understood if it was itself a follow-up
    answer: str = ""  # the first answer sentence shown for it ("" when none)

    @classmethod
    def of(cls, answer) -> "Turn":
        """The turn a qa.types.Answer leaves for the next question: its reading and its first sentence."""
        return cls(answer.understood_as or answer.question, answer.sentences[0].text if answer.sentences else "")


class Reading(NamedTuple):
    text: str  # the question to answer (standalone)
    understood_as: str | None  # the same text when a rewrite happened, else None


class _Entity(NamedTuple):
    start: int
    end: int
    kind: str  # "state", "bloc" or "person": only names of one kind replace each other
    ref: int  # aliases of one thing ("China", "Beijing") share a ref
    alias: str  # the alias's own spelling, e.g. "the US" for "us"


# One string per thing, its aliases separated by "|", each spelt as it is written back.
# Capitals stand for their states because the text uses them that way ("Moscow and Beijing").
_NAMES = {
    "state": "Russia|Moscow|the Kremlin;China|Beijing;India|New Delhi|Delhi;the US|the USA|the U.S.|the United States|America|Washington;"
    "Ukraine|Kyiv|Kiev;Taiwan|Taipei;Japan|Tokyo;Vietnam|Hanoi;Australia|Canberra;Germany|Berlin;France|Paris;the UK|Britain|London;"
    "Iran|Tehran;North Korea|Pyongyang;South Korea|Seoul;Belarus|Minsk;Kazakhstan|Astana;Turkey|Ankara;Pakistan|Islamabad",
    "bloc": "NATO;the EU|the European Union|Brussels;the West;Europe;the UN|the United Nations;the Quad;the SCO;BRICS;the G7;the G20;"
    "AUKUS;ASEAN",
    "person": "Putin|Vladimir Putin;Xi|Xi Jinping;Biden|Joe Biden;Peskov|Dmitry Peskov;Lavrov|Sergei Lavrov;Shoigu|Sergei Shoigu;"
    "Wei Fenghe;Modi|Narendra Modi;Zelensky|Zelenskyy|Volodymyr Zelensky;Trump|Donald Trump;Kissinger|Henry Kissinger;"
    "Klein|Margarete Klein;Bruusgaard|Kristin Ven Bruusgaard",
}
_CASED = {"US", "USA", "U.S."}  # lower-case "us" is the pronoun


def _pattern(alias: str) -> re.Pattern:
    bare = alias.removeprefix("the ")
    return re.compile(r"(?<!\w)(?:the\s+)?" + re.escape(bare).replace(r"\ ", r"\s+") + r"(?!\w)", 0 if bare in _CASED else re.I)


# Longest alias first, so "Xi Jinping" is one name and not "Xi" plus a stray word.
_ALIASES = sorted(
    ((kind, ref, a, _pattern(a)) for kind, things in _NAMES.items() for ref, t in enumerate(things.split(";")) for a in t.split("|")),
    key=lambda x: -len(x[2]),
)

_LEAD = r"^\s*(?:(?:and|but|so|ok|okay|hmm)[,\s]+)?"
_END = r"[\s?.!]*$"
_WHY = re.compile(_LEAD + r"(?:why(?P<neg>\s+not)?(?:\s+(?:is|was|would)\s+(?:that|this|it)(?:\s+so)?|\s+so)?|how\s+come)" + _END, re.I)
_WHEN = re.compile(_LEAD + r"(?P<w>when|where)(?:\s+(?:was|is|did)\s+(?:that|this|it)(?:\s+(?:happen|take\s+place))?)?" + _END, re.I)
_WHO_SAID = re.compile(_LEAD + r"(?:who\s+(?:said|says|wrote|claimed|claims|stated)\s+(?:that|this|it|so)|says\s+who)" + _END, re.I)
_ABOUT = re.compile(_LEAD + r"(?:what|how)\s+about\s+(?P<x>.+?)" + _END, re.I)
_AND = re.compile(r"^\s*(?:and|but)\s+(?P<x>.+?)" + _END, re.I)
# A "what about X" whose X has a verb, a question word or a pronoun is a question of its own, or too vague to resolve.
_NOT_X = frozenset(
    "is are was were be been do does did has have had can could will would should may might must what who whom whose why when where "
    "which how then now so that this these those it its them they their he she him her his us you me i we my our your more else".split()
)
_PRONOUN = re.compile(r"(?<!\w)(he|him|his|she|her|they|them|their|it)(?!\w)(?:\s+(\w+))?", re.I)
_CLASS = {"him": "he", "his": "he", "her": "she", "them": "they", "their": "they"}
_SHE = {"Klein", "Margarete Klein", "Bruusgaard", "Kristin Ven Bruusgaard"}
_NOT_NOUN = frozenset("in at on to about for with from by and or that this after before during".split())
_MAX_PRONOUN_WORDS = 6  # longer questions with "they" ("Do they have a joint command structure?") mean the text's two countries
# "Why is it wrong?", "Who holds them?": in these texts such pronouns mean the myth, not a name from the last turn.
_MYTH_TALK = re.compile(r"\b(?:wrong|true|false|right|myths?|claims?|holds?|believes?|mean|means)\b", re.I)
# "it" names an organisation only as the subject of an auxiliary ("Does it include India?", "When did it start?").
_IT_SUBJECT = re.compile(r"\b(?:do|does|did|will|would|can|could|has|had|should)\s+it\b", re.I)


def _entities(text: str) -> list[_Entity]:
    found: list[_Entity] = []
    for kind, ref, alias, pattern in _ALIASES:
        for m in pattern.finditer(text):
            if all(m.end() <= e.start or m.start() >= e.end for e in found):
                found.append(_Entity(m.start(), m.end(), kind, ref, alias))
    return sorted(found)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _about(x: str, last: Turn) -> str | None:
    prev = re.sub(r"\s+—\s+what about .*$", "", last.question.strip()).rstrip(" ?.!")  # no chains of "— what about"
    new = next((e for e in _entities(x) if e.start == 0 and e.end == len(x)), None)
    if new is None and (len(x.split()) > 4 or any(w.lower().strip(",'’") in _NOT_X for w in x.split())):
        return None
    same = [e for e in _entities(prev) if new and e.kind == new.kind]
    refs = [e.ref for e in same]
    if same and new.ref not in refs:  # "Is China arming Russia?" + "And India?": India takes the first country's place
        out = prev[: same[0].start] + new.alias + prev[same[0].end :]
    elif len(same) == 2 and refs[1] == new.ref != refs[0]:  # + "And Russia?": the two swap places
        a, b = same
        out = prev[: a.start] + prev[b.start : b.end] + prev[a.end : b.start] + prev[a.start : a.end] + prev[b.end :]
    else:
        return f"{_capital(prev)} — what about {new.alias if new else x}?"
    return _capital(re.sub(r"(?<=\s)The\b", "the", out)) + "?"


def _referent(cls: str, last: Turn, exclude: set[tuple[str, int]]) -> str | None:
    for text in (last.question, last.answer):
        seen, names = set(), {"he": [], "she": [], "they": [], "it": []}
        for e in _entities(text):
            if (e.kind, e.ref) not in exclude | seen:
                seen.add((e.kind, e.ref))
                name = re.sub(r"^The\b", "the", text[e.start : e.end])
                names["she" if e.alias in _SHE else "he" if e.kind == "person" else "they"].append(name)
                if e.kind == "bloc":  # organisations are "it"; countries rarely are in a question
                    names["it"].append(name)
        people = names["he"] + names["she"]
        group = people if len(people) >= 2 else names["they"] if len(names["they"]) >= 2 else names["it"]
        found = group if cls == "they" else names[cls][:1]
        if found:
            return ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
    return None


def _pronouns(q: str, last: Turn) -> str | None:
    if len(q.split()) > _MAX_PRONOUN_WORDS or _MYTH_TALK.search(q):
        return None
    exclude = {(e.kind, e.ref) for e in _entities(q)}
    out, pos = [], 0
    for m in _PRONOUN.finditer(q):
        word = m.group(1).lower()
        name = _referent(_CLASS.get(word, word), last, exclude) if word != "it" or _IT_SUBJECT.search(q) else None
        if name is None:
            return None
        # "her" is possessive before a noun ("her job"), not before a preposition ("meet her in Moscow").
        possessive = word in ("his", "their") or (word == "her" and (m.group(2) or "in").lower() not in _NOT_NOUN)
        out.append(q[pos : m.start(1)] + (name + ("'" if name.endswith("s") else "'s") if possessive else name))
        pos = m.end(1)
    return _capital("".join(out) + q[pos:]) if out else None


def resolve(question: str, previous: Sequence[Turn]) -> Reading:
    """Read a chat question in the light of the previous turn.

    Args:
        question: the question as typed.
        previous: earlier turns, oldest first; only the last one is used.

    Returns:
        The standalone rewrite in both fields, or the question unchanged with ``understood_as=None``.
    """
    q = question.strip()
    if not q or not previous or not previous[-1].question.strip():
        return Reading(question, None)
    last = previous[-1]
    target = last.answer.strip() or last.question.strip()  # the answer sentence carries the words to retrieve on
    if m := _WHY.match(q):
        text = f"{'Why not' if m.group('neg') else 'Why'}: {target}"
    elif m := _WHEN.match(q):
        text = f"{m.group('w').capitalize()}: {target}"
    elif _WHO_SAID.match(q) and last.answer.strip():  # without an answer there is nothing to attribute
        text = f"Who said “{target.rstrip(' .!?')}”?"
    elif m := _ABOUT.match(q) or _AND.match(q):
        text = _about(m.group("x").strip(), last) or _pronouns(q, last)  # "What about his views?"
    else:
        text = _pronouns(q, last)
    return Reading(text, text) if text else Reading(question, None)
