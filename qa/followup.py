"""Follow-ups ("Why?", "Give me an example", "What about India?", "What did he say?"): an explicit reading of the
question against the previous turn, with the standalone text retrieval reads. Entities come from the spaCy parse
(core.nlp), never from a list of names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from core import nlp
from core.grammar import ORDINALS


class Turn(NamedTuple):
    question: str  # the question as typed, or as understood if it was itself a follow-up
    answer: str = ""  # the first answer sentence shown for it ("" when none)
    asked: str = ""  # the question as typed, when it was read as a follow-up ("" otherwise)

    @classmethod
    def of(cls, answer) -> Turn:
        """The turn a qa.types.Answer leaves for the next question: its reading and its first sentence."""
        first = answer.sentences[0].text if answer.sentences else ""
        return cls(answer.understood_as or answer.question, first, answer.question if answer.understood_as else "")

    @property
    def topic(self) -> str:
        """The question this turn was about, without a follow-up's prefix ("Why: …") or suffix ("— what about …")."""
        q = _PREFIXED.sub("", self.question)
        return re.sub(r"\s+—\s+what about .*$", "", q.strip()).rstrip(" ?.!")


class Reading(StrEnum):
    """How a follow-up reads the previous turn."""

    REASON = "reason"  # "Why?": the reason the texts give for the previous answer
    TIME_PLACE = "time or place"  # "When was that?", "Where?"
    SOURCE = "source"  # "Who said that?"
    EXAMPLE = "example"  # "Give me an example"
    MORE = "more"  # "Which ones?", "Tell me more", "Which outlets do you mean?"
    ITEM = "item"  # "What's the first one?": one item of the list the previous answer gave
    OTHER_ENTITY = "other entity"  # "What about India?": the previous question about another entity
    REFERS_BACK = "refers back"  # "What did he say?": a pronoun or phrase naming something of the previous turn


# Readings answered near the previous answer (its passage and neighbours are preferred).
NEAR_PREVIOUS = frozenset(
    {Reading.REASON, Reading.TIME_PLACE, Reading.SOURCE, Reading.EXAMPLE, Reading.MORE, Reading.ITEM, Reading.REFERS_BACK}
)
# Readings the previous answer sentence does not answer again: "Why?" wants the reason, not the claim once more.
# "What about India?" wants India's side, not the sentence just shown.
NOT_AGAIN = frozenset({Reading.REASON, Reading.EXAMPLE, Reading.ITEM, Reading.OTHER_ENTITY})
# Readings whose own words do not carry the topic ("What did he mean by that?"): retrieval reads the previous answer too.
WITH_PREVIOUS = frozenset({Reading.REFERS_BACK, Reading.MORE})


@dataclass(frozen=True)
class FollowUp:
    reading: Reading
    text: str  # the standalone question retrieval reads (shown as "Understood as")
    refers_to: str  # the previous answer sentence it is read against (or the previous question when none was shown)
    entity: str | None = None  # OTHER_ENTITY: the new entity; REFERS_BACK: what the pronoun names
    item: int | None = None  # ITEM: 0-based position in the previous answer's list (-1: the last, NEXT: the one after)
    context: tuple[int, ...] = ()  # chunk ids of the previous answer's passage and its neighbours
    again: bool = True  # whether the previous answer sentence may answer it again ("What else happened then?" may)
    # Whether ``text`` is a question a reader can read on its own ("What about India?" → "Is India arming Russia?"); when
    # it is not ("Why: <sentence>"), the app shows the turn it was read against instead.
    wellformed: bool = False


class Rewrite(NamedTuple):  # resolve()'s result: the standalone text alone
    text: str
    understood_as: str | None


_PREFIXED = re.compile(r"^(?:Why not|Why|When|Where|For example|More|Which one|The first|The second|The third|The last):\s+")
_LEAD = r"^\s*(?:(?:and|but|so|ok|okay|hmm|then)[,\s]+)?"
_END = r"[\s?.!]*$"
_WHY = re.compile(
    _LEAD + r"(?:why(?P<neg>\s+not)?(?:\s+(?:is|was|would|does|did)\s+(?:that|this|it|they|he|she)(?:\s+so)?|\s+so)?|how\s+come|"
    r"what\s+(?:is|was)\s+the\s+reason(?:\s+for\s+(?:that|this|it))?)" + _END,
    re.I,
)
_WHEN = re.compile(
    _LEAD + r"(?P<w>when|where)(?:\s+and\s+(?:when|where))?(?:\s+(?:was|is|did)\s+(?:that|this|it)(?:\s+(?:happen|take\s+place))?|"
    r"\s+did\s+(?:he|she|they)\s+say\s+(?:that|this|it|so))?" + _END,
    re.I,
)
_WHO_SAID = re.compile(_LEAD + r"(?:who\s+(?:said|says|wrote|claimed|claims|stated)\s+(?:that|this|it|so)|says\s+who)" + _END, re.I)
_EXAMPLE = re.compile(
    _LEAD + r"(?:(?:can|could)\s+you\s+)?(?:give|show)(?:\s+me)?\s+(?:an?\s+|some\s+)?(?:examples?|instances?)|"
    r"(?:for\s+)?(?:example|instance)\??$|such\s+as\??$|like\s+what|what\s+(?:is|would\s+be)\s+an?\s+example|any\s+examples?|"
    r"(?:which|what|who)(?:\s+ones?)?,?\s+for\s+(?:example|instance)",
    re.I,
)
# "Anywhere else?", "Anyone else?", "Which other countries?": the same question once more, with another answer.
_ELSE = re.compile(
    _LEAD + r"(?:(?:is|are|was|were)\s+there\s+)?(?:anywhere|anyone|anybody|anything|any\s*where|somewhere|someone|who|what|where|"
    r"which\s+\w+|any)\s+else\b|(?:which|what|any)\s+other\s+\w+" + _END,
    re.I,
)
_MORE = re.compile(
    _LEAD + r"(?:tell\s+me\s+more|more\s+(?:on|about)\s+(?:that|this)|what\s+else|go\s+on|(?:can\s+you\s+)?elaborate|"
    r"which\s+ones?|what\s+(?:do|did)\s+you\s+mean|which\s+\w+\s+do\s+you\s+mean|in\s+what\s+way|how\s+so|like\s+who)\b",
    re.I,
)
NEXT = 99  # FollowUp.item of "the next one", "the other one": the item after the one shown
_ORDINALS = {**ORDINALS, "other": NEXT, "next": NEXT}
_ITEM = re.compile(
    _LEAD + r"(?:(?:what|which)(?:'s|’s|\s+is|\s+was)?\s+|(?:and\s+)?)(?:the\s+)?(?P<n>first|second|other|next|third|fourth|last|final)"
    r"(?:\s+\w+)?(?:\s+one)?" + _END,
    re.I,
)
_ABOUT = re.compile(_LEAD + r"(?:what|how)\s+about\s+(?P<x>.+?)" + _END, re.I)
_AND = re.compile(r"^\s*(?:and|but)\s+(?P<x>.+?)" + _END, re.I)
_NOT_X = frozenset(
    "is are was were be been do does did has have had can could will would should may might must what who whom whose why when where "
    "which how then now so that this these those it its them they their he she him her his us you me i we my our your more else".split()
)
_PRONOUN = re.compile(r"(?<!\w)(he|him|his|she|her|they|them|their|it)(?!\w)(?:\s+(\w+))?", re.I)
_NOT_NOUN = frozenset("in at on to about for with from by and or that this after before during".split())
_MAX_PRONOUN_WORDS = 6  # longer questions with "they" ("Do they have a joint command structure?") mean the text's two countries
_MYTH_TALK = re.compile(r"\b(?:wrong|true|false|right|myths?|claims?|holds?|believes?|mean|means)\b", re.I)
_IT_SUBJECT = re.compile(r"\b(?:do|does|did|will|would|can|could|has|had|should)\s+it\b", re.I)
# Entities of one kind replace each other in "What about X?": countries, organisations and blocs, people.
_KIND = {"GPE": "state", "ORG": "bloc", "LOC": "bloc", "PERSON": "person"}


class _Ent(NamedTuple):
    start: int
    end: int
    kind: str
    text: str


def _entities(text: str) -> list[_Ent]:
    """Named things of ``text`` by kind; runs of proper nouns the recogniser missed count too: two or more words are
    read as a person's name ("Jane Roe"), one as an organisation ("the Quad")."""
    doc = nlp.parse(text)
    found = [_Ent(e.start_char, e.end_char, _KIND[e.label_], e.text) for e in doc.ents if e.label_ in _KIND]
    taken = {t.i for e in doc.ents for t in e}
    run: list = []
    for t in [*doc, None]:
        if t is not None and t.i not in taken and t.pos_ == "PROPN" and t.is_title:
            run.append(t)
            continue
        if run and (len(run) >= 2 or run[0].i > 0):
            start, end = run[0].idx, run[-1].idx + len(run[-1].text)
            if len(run) == 1 and run[0].i > 0 and doc[run[0].i - 1].lower_ == "the":
                start = doc[run[0].i - 1].idx  # "the Quad"
            found.append(_Ent(start, end, "person" if len(run) >= 2 else "bloc", text[start:end]))
        run = []
    return sorted(found)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _same(a: str, b: str) -> bool:
    return a.lower().removeprefix("the ") == b.lower().removeprefix("the ")


def _about(x: str, topic: str) -> tuple[str, str] | None:
    """ "What about X?" read as the previous question about X: (standalone text, X) or None when X is no entity."""
    ents = _entities(x)
    bare = len(x) - len(re.sub(r"^the\s+", "", x, flags=re.I))  # "the US": the recogniser leaves "the" out
    new = next((e for e in ents if e.start in (0, bare) and e.end == len(x)), None)
    if new is None and (len(x.split()) > 6 or any(w.lower().strip(",'’") in _NOT_X for w in x.split())):
        return None
    same = [e for e in _entities(topic) if new and e.kind == new.kind]
    if same and not any(_same(e.text, new.text) for e in same):  # "Is China arming Russia?" + "And India?": India replaces China
        start = same[0].start - 4 if topic[: same[0].start].lower().endswith("the ") else same[0].start
        out = topic[:start] + x + topic[same[0].end :]
    elif len(same) == 2 and _same(same[1].text, new.text) and not _same(same[0].text, new.text):  # + "And Russia?": they swap
        a, b = same
        out = topic[: a.start] + topic[b.start : b.end] + topic[a.end : b.start] + topic[a.start : a.end] + topic[b.end :]
    elif new is None and (swapped := _swap_asked(topic, x)):  # "What penalties…?" + "And the incentives?"
        return swapped, x
    else:
        return f"{_capital(topic)} — what about {x}?", new.text if new else x
    return _capital(re.sub(r"(?<=\s)The\b", "the", out)) + "?", new.text


def _swap_asked(topic: str, x: str) -> str | None:
    """The previous question asking for ``x`` instead of what it asked for ("What penalties does the plan propose?" +
    "the incentives" → "What incentives does the plan propose?"), or None when it asks for no noun after its wh-word."""
    doc = nlp.parse(topic)
    wh = next((t for t in doc if t.lower_ in ("what", "which") and t.i + 1 < len(doc)), None)
    if wh is None:
        return None
    span = [t for t in doc[wh.i + 1 : wh.i + 4]]
    nouns = []
    for t in span:
        if t.pos_ in ("NOUN", "ADJ", "PROPN") and not t.is_punct:
            nouns.append(t)
            if t.pos_ == "NOUN":
                break
        else:
            break
    if not nouns or nouns[-1].pos_ != "NOUN":
        return None
    bare = re.sub(r"^(?:the|a|an|its|their|his|her)\s+", "", x, flags=re.I)
    start, end = nouns[0].idx, nouns[-1].idx + len(nouns[-1].text)
    return _capital(topic[:start] + bare + topic[end:]).rstrip(" ?") + "?"


def _referent(cls: str, last: Turn, exclude: set[str]) -> str | None:
    """The name a pronoun of class ``cls`` stands for in the last turn (its question first, then its answer); the texts
    give no one's gender, so "he" and "she" both take the first person named there that ``exclude`` does not hold."""
    for text in (last.topic, last.answer):
        names = {"person": [], "they": [], "it": []}
        for e in _entities(text):
            if e.text.lower() not in exclude and e.text not in names["person"] + names["they"]:
                names["person" if e.kind == "person" else "they"].append(re.sub(r"^The\b", "the", e.text))
                if e.kind == "bloc":
                    names["it"].append(re.sub(r"^The\b", "the", e.text))
        people = names["person"]
        group = people if len(people) >= 2 else names["they"] if len(names["they"]) >= 2 else names["it"]
        found = group if cls == "they" else people[:1] if cls in ("he", "she") else names["it"][:1]
        if found:
            return ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
    return None


def _pronouns(q: str, last: Turn) -> tuple[str, str] | None:
    # "Why is it wrong?", "Do they hold?": "it" and "they" mean the myth or the text's two countries; "he" and "she" do not.
    if len(q.split()) > _MAX_PRONOUN_WORDS or (_MYTH_TALK.search(q) and not re.search(r"\b(?:he|him|his|she|her)\b", q, re.I)):
        return None
    exclude = {e.text.lower() for e in _entities(q)}
    out, pos, named = [], 0, ""
    for m in _PRONOUN.finditer(q):
        word = m.group(1).lower()
        cls = {"him": "he", "his": "he", "her": "she", "them": "they", "their": "they"}.get(word, word)
        name = _referent(cls, last, exclude) if word != "it" or _IT_SUBJECT.search(q) else None
        if name is None:
            return None
        exclude = exclude | {name.lower()}  # "Did he meet her?": two pronouns, two people
        possessive = word in ("his", "their") or (word == "her" and (m.group(2) or "in").lower() not in _NOT_NOUN)
        out.append(q[pos : m.start(1)] + (name + ("'" if name.endswith("s") else "'s") if possessive else name))
        pos, named = m.end(1), named or name
    return (_capital("".join(out) + q[pos:]), named) if out else None


def _topic_turn(previous: Sequence[Turn]) -> Turn:
    """The last turn that asked a question of its own: "What about Finland?" after "Is China arming Russia?" and "Why?"
    is about the first, not about the sentence "Why?" was read against."""
    return next((t for t in reversed(previous) if t.question.strip() and not _PREFIXED.match(t.question)), previous[-1])


def read_follow_up(asked: str, doc, previous: Sequence[Turn], locate=None) -> FollowUp | None:
    """How ``asked`` reads against the last of ``previous`` turns, or None when it stands alone.

    Args:
        asked: the question, cleaned.
        doc: its spaCy parse (unused by the rules that need none; kept so callers parse once).
        previous: earlier turns, oldest first; the last one is read.
        locate: maps the previous answer sentence to the chunk ids around it (the engine's index), or None.
    """
    q = asked.strip()
    if not q or not previous or not previous[-1].question.strip():
        return None
    last = previous[-1]
    target = last.answer.strip() or last.question.strip()  # the answer sentence carries the words to retrieve on
    reading, text, entity, item = None, None, None, None
    if m := _WHY.match(q):
        reading, text = Reading.REASON, f"{'Why not' if m.group('neg') else 'Why'}: {target}"
    elif m := _WHEN.match(q):
        reading, text = Reading.TIME_PLACE, f"{m.group('w').capitalize()}: {target}"
    elif _WHO_SAID.match(q) and last.answer.strip():  # without an answer there is nothing to attribute
        reading, text = Reading.SOURCE, f"Who said “{target.rstrip(' .!?')}”?"
    elif _EXAMPLE.match(q):
        reading, text = Reading.EXAMPLE, f"For example: {target}"
    elif m := _ITEM.match(q):
        reading, text, item = Reading.ITEM, f"The {m.group('n').lower()}: {target}", _ORDINALS[m.group("n").lower()]
    elif _ELSE.match(q):
        reading, text = Reading.MORE, _topic_turn(previous).question
    elif _MORE.match(q):
        reading, text = Reading.MORE, f"More: {target}"
    elif (m := _ABOUT.match(q) or _AND.match(q)) and (about := _about(m.group("x").strip(), _topic_turn(previous).topic)):
        reading, (text, entity) = Reading.OTHER_ENTITY, about
    elif found := _pronouns(q, last):
        reading, (text, entity) = Reading.REFERS_BACK, found
    if reading is None:
        return None
    # The next items of a list are often in the next paragraphs; other readings stay beside the previous answer.
    context = tuple(locate(last.answer, 2 if reading == Reading.ITEM else 1)) if locate and last.answer and reading in NEAR_PREVIOUS else ()
    # "What did he mean by that?" points at the sentence shown: the answer is another one.
    again = reading not in NOT_AGAIN and not (reading == Reading.REFERS_BACK and re.search(r"\b(?:that|this)\b", q, re.I))
    again = again and not _ELSE.match(q)  # "Anywhere else?" wants another answer than the one shown
    wellformed = reading in (Reading.OTHER_ENTITY, Reading.REFERS_BACK) and "— what about" not in text or bool(_ELSE.match(q))
    return FollowUp(reading, text, target, entity, item, context, again, wellformed)


def resolve(question: str, previous: Sequence[Turn]) -> Rewrite:
    """The standalone reading of ``question`` after ``previous`` (text, understood_as), or the question unchanged."""
    follow = read_follow_up(question, None, previous)
    return Rewrite(follow.text, follow.text) if follow else Rewrite(question, None)
