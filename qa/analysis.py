"""Question understanding, once per question: one typed, frozen analysis that every later stage reads.

spaCy's English pipeline (core.nlp) parses the question once; what the corpus knows (its vocabulary and the entity
names stored at ingestion) comes from the index, never from code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core import nlp
from core.lexical import tokenize_query
from core.types import STANDFIRST_SECTION, TITLE_SECTION
from qa import slots
from qa.abstain import QUESTION_WORDS
from qa.followup import WITH_PREVIOUS, FollowUp, Reading, Turn, read_follow_up
from qa.intent import MYTH, WRONG, detect_sections
from qa.metadata import metadata_field
from qa.near_domain import unknown_key_terms
from qa.slots import Asked


class AnswerType(StrEnum):
    """What kind of thing the question asks for."""

    WHO = "who"  # a person, or a body acting like one ("the ministry", "members of parliament")
    PERSON = "person"  # a person by name ("Which minister…?")
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    REASON = "reason"
    YES_NO = "yes/no"
    LIST = "list"
    DEFINITION = "definition"
    OTHER = "other"


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # spaCy's label: PERSON, ORG, GPE, NORP, DATE, CARDINAL…


@dataclass(frozen=True)
class Focus:
    """Whose thing the question asks about: "Russia's defence minister" -> owner "Russia", head "minister"."""

    owner: str
    head: str
    phrase: str  # as the question words it, for messages
    identity: bool = False  # "Who is X's Y?": the answer must name the role Y too ("minister")


@dataclass(frozen=True)
class QuestionAnalysis:
    """Everything later stages need to know about one question; computed by ``Analyzer.analyze`` only."""

    asked: str  # the question as typed, cleaned
    text: str  # what retrieval reads: ``asked``, or a follow-up's standalone reading
    answer_type: AnswerType
    strict: bool  # the answer must hold a value of ``answer_type`` (a date for "when did…", a count for "how many…")
    terms: tuple[str, ...]  # salient stemmed terms (question words left out)
    entities: tuple[Entity, ...]
    unknown: tuple[str, ...]  # names the question uses that no text contains, as written
    sections: tuple[str, ...]  # template sections it aims at (qa.intent)
    metadata: str | None  # a fact about the document itself it asks for (qa.metadata), else None
    focus: Focus | None
    subject: str | None  # the named subject of a "how many / when" question ("How many icebreakers does *China* have?")
    author_view: bool  # asks what the author thinks: the author's own sentences, not quotations, answer
    follow_up: FollowUp | None  # how it reads against the previous turn, else None
    asked_for: Asked = Asked()  # the slot, relation, list or item it asks for (qa.slots)
    unknown_terms: tuple[str, ...] = ()  # key words of what it asks for that the texts never use (qa.near_domain)

    @property
    def understood_as(self) -> str | None:
        """A follow-up's standalone reading, as the asker is shown it ("Understood as: …"), else None."""
        return self.follow_up.text if self.follow_up else None


# Where a myth states itself: a "Why?" about these sentences is answered by why the myth is wrong.
STATEMENT = frozenset({TITLE_SECTION, STANDFIRST_SECTION, MYTH})
_RECASED_LABELS = frozenset({"GPE", "NORP"})  # capitalised common words read as persons too often
NAME_LABELS = frozenset("PERSON ORG GPE NORP LOC FAC PRODUCT EVENT LAW WORK_OF_ART".split())
# Names readers use for what texts usually call otherwise; general English, never counted as unknown.
KNOWN_ALIASES = frozenset({"america", "american", "americans", "usa", "washington", "britain", "british", "soviet", "ussr"})
_AUX = r"(?:has|have|had|did|does|do|is|are|was|were|will|would|can|could|should|might|may)"
_DATE_Q = re.compile(rf"\bwhen\s+{_AUX}\b|\b(?:what|which|on\s+what|in\s+what)\s+(?:year|month|date|day)\b|\bsince\s+when\b", re.I)
_DEGREE = (
    r"help|support|assistance|aid|trust|influence|pressure|leverage|power|cooperation|progress|risk|say|sway|room|control|confidence"
    r"|interest|difference|of\s+a|more|less|longer|further|better|worse"
)
_COUNT_Q = re.compile(
    rf"\bhow\s+many\b|\bhow\s+much\s+(?!(?:{_AUX}|{_DEGREE})\b)\w|\bwhat\s+(?:number|percentage|share|proportion)\s+of\b"
    r"|\bhow\s+much\b.*\b(?:cost|costs|spend|spent|pay|paid|weigh|worth)\b",
    re.I,
)
_FIGURE_NOUNS = (
    r"budget|range|rate|size|population|gdp|height|length|distance|weight|speed|capacity|amount|total|volume|percentage|proportion"
    r"|figure|spending|revenue|payload|casualties|(?:death\s+)?toll|tonnage|value|cost|price"
)
_FIGURE_Q = re.compile(
    rf"^\W*(?:what|which)\s*(?:is|are|was|were|['’]s)\s+(?:the\s+)?(?:\S+['’]s?\s+)?(?:\S+\s+){{0,3}}?(?:{_FIGURE_NOUNS})\b", re.I
)
_REASON_Q = re.compile(
    r"^\W*(?:(?:and|but|so)\s+)?(?:why|how\s+come)\b|\bfor\s+what\s+reason\b|\bwhat\s+(?:is|are)\s+the\s+reasons?\b", re.I
)
_WHO_Q = re.compile(
    r"^\W*(?:(?:and|but|so)\s+)?(?:who|whom)\b(?!\s+(?:advocat|subscrib|promot|believ|support|hold|holds|push|spread|think|say))", re.I
)
_WHICH_Q = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+)?(person|official|leader|minister|president|commander|admiral|general|spokes\w+|"
    r"organi[sz]ations?|compan(?:y|ies)|firms?|institut\w*|outlets?|agenc(?:y|ies)|countr(?:y|ies)|states?|cit(?:y|ies)|"
    r"places?|regions?|ports?)\b",
    re.I,
)
_AUTHOR_VIEW = re.compile(
    r"\b(?:author|writer)(?:'s|’s)?\b.{0,40}\b(?:think|believe|view|opinion|argue|consider|expect|conclude|see|say|position|judge|"
    r"agree|accept|share|dispute|reject|respond|answer|repl|counter|rebut|make\s+of|take|assess|verdict|stance)|"
    r"\b(?:think|believe|view|opinion|argue|consider|expect|conclude|agree|accurate|right|true|correct)\w*\b.{0,30}\b(?:author|writer)\b|"
    r"\baccording\s+to\s+the\s+(?:author|writer|text|essay|article|piece|analysis)\b",
    re.I,
)
_PEOPLE = frozenset(
    "person people official leader minister president commander admiral general mp lawmaker politician expert analyst".split()
)
_ORGS = ("organ", "compan", "firm", "institut", "outlet", "agenc")


class Analyzer:
    """Analyses questions against one index: its vocabulary and the entity names stored at ingestion."""

    def __init__(self, vocab: dict, names: frozenset, locate=None, section_of=None, lexicon=None):
        self.vocab = vocab  # stemmed terms of every sentence (the BM25 vocabulary)
        self.lexicon = lexicon  # qa.spelling.Lexicon: the corpus's words, typos and abbreviations of them
        self.names = names  # stemmed terms of every stored entity mention
        self.locate = locate  # previous answer sentence -> (chunk ids of it and its neighbours), for follow-ups
        self.section_of = section_of  # a corpus sentence -> the section it stands in (None when unknown)

    def analyze(self, asked: str, previous: tuple[Turn, ...] = (), follow_ups: bool = True) -> QuestionAnalysis:
        """Analyse ``asked`` (already cleaned), reading it against ``previous`` turns when it is a follow-up."""
        doc = nlp.parse(asked)
        entities = tuple(Entity(e.text, e.label_) for e in doc.ents)
        field = metadata_field(asked)
        follow = None
        if previous and follow_ups and not field:  # a question about the document itself stands alone
            follow = read_follow_up(asked, doc, previous, self.locate)
        text = follow.text if follow else asked
        if follow and follow.reading in WITH_PREVIOUS and follow.refers_to not in text:
            text = f"{text} {follow.refers_to}"  # "What did the minister mean by that?" + the sentence "that" is
        # A follow-up's own words say what it wants ("When was that?"), unless it stands for a whole question ("And India?").
        reads_whole = follow is None or follow.reading in (Reading.OTHER_ENTITY, Reading.REFERS_BACK)
        kind, strict = answer_type(text if reads_whole else asked)
        strict = strict and reads_whole  # near the previous answer, a missing date is not a reason to refuse
        owner = focus(doc)
        if kind == AnswerType.WHO and owner is not None:  # "Who is Russia's defence minister?" asks for a person by name
            kind = AnswerType.PERSON
        terms = tuple(t for t in dict.fromkeys(re.sub(r"(?<=\d)s\b", "", w) for w in tokenize_query(text)) if t not in QUESTION_WORDS)
        return QuestionAnalysis(
            asked=asked,
            text=text,
            answer_type=kind,
            strict=strict,
            terms=terms,
            entities=entities,
            unknown=self.unknown(self.cased(doc)),
            sections=self._sections(text, follow),
            metadata=field,
            focus=owner,
            subject=subject(doc) if strict else None,
            author_view=bool(_AUTHOR_VIEW.search(asked)),
            follow_up=follow,
            asked_for=slots.asked(doc),
            unknown_terms=unknown_key_terms(asked, self.vocab, self.lexicon),
        )

    def _sections(self, text: str, follow: FollowUp | None) -> tuple[str, ...]:
        """The template sections the question aims at; "Why?" after the myth's own statement asks why it is wrong."""
        found = detect_sections(text)
        if follow and follow.reading == Reading.REASON and self.section_of and self.section_of(follow.refers_to) in STATEMENT:
            found = tuple(dict.fromkeys((WRONG, *found)))
        return found

    def _known(self, part: str) -> bool:
        """Whether the texts use ``part``: its stems, a word it is a typo of ("Rusia"), or what it abbreviates ("MPs")."""
        terms = tokenize_query(part)
        if not terms or all(t in self.vocab or t in self.names for t in terms):
            return True
        return self.lexicon is not None and self.lexicon.knows(part)

    def cased(self, doc):
        """For a question typed all in lower case ("did finland join nato"), a parse of it with each word the texts never
        use capitalised, so that the entity recogniser can see names; else ``doc`` itself."""
        if any(ch.isupper() for ch in doc.text):
            return doc
        words = [
            t.text.capitalize() + t.whitespace_
            if t.i and t.is_alpha and t.pos_ in ("NOUN", "PROPN") and not self._known(t.text)
            else t.text_with_ws
            for t in doc
        ]
        recased = nlp.parse("".join(words))
        recased.user_data["recased"] = True
        return recased

    def unknown(self, doc) -> tuple[str, ...]:
        """Names in the question (entities, and proper nouns past its first word) that no text of the corpus uses.

        A question about something the texts never mention is one they cannot answer, however close its other words
        come ("When did Finland join NATO?"). Words all in capitals are skipped: the texts may spell them out ("UN").
        """
        found: dict[str, str] = {}
        recased = doc.user_data.get("recased", False)  # capitals we added: only countries and peoples count
        words = [e for e in doc.ents if e.label_ in (_RECASED_LABELS if recased else NAME_LABELS)]
        covered = {t.i for e in words for t in e}
        if not recased:
            words += [t for t in doc if t.i not in covered and t.i > 0 and t.tag_ in ("NNP", "NNPS") and t.is_alpha and len(t) > 1]
        for w in words:
            text = re.sub(r"[’']s$", "", re.sub(r"^(?:the|a|an)\s+", "", w.text, flags=re.I))
            # A name is unknown when one of its capitalised words is: "Power of Siberia", not "Arctic coast". A hyphenated
            # word is known when one of its parts is ("Sino-Russian"); acronyms may be spelt out in the texts ("UN").
            for word in text.split():
                parts = [p for p in re.split(r"[’'-]+", re.sub(r"(?<=\d)s$", "", word)) if p]
                if not word[:1].isupper() and not any(ch.isdigit() for ch in word) or word.isupper() or word.lower() in KNOWN_ALIASES:
                    continue
                if parts and not any(self._known(p) for p in parts):
                    found.setdefault(text.lower(), text)
        return tuple(found.values())


def answer_type(question: str) -> tuple[AnswerType, bool]:
    """The expected answer type, and whether the answer must hold such a value (see QuestionAnalysis.strict)."""
    q = question.strip()
    if _DATE_Q.search(q):
        return AnswerType.DATE, True
    if _COUNT_Q.search(q) or _FIGURE_Q.search(q):
        return AnswerType.NUMBER, True
    if _REASON_Q.search(q):
        return AnswerType.REASON, False
    if m := _WHICH_Q.search(q):
        noun = m.group(1).lower()
        if noun.rstrip("s") in _PEOPLE or noun.startswith("spokes"):
            return AnswerType.PERSON, True
        if noun.startswith(_ORGS):
            return AnswerType.ORGANISATION, True
        return AnswerType.PLACE, False
    if re.match(r"^\W*(?:(?:and|but|so)\s+)?whom\b", q, re.I):  # "Whom does the US see as its rival?": often a country
        return AnswerType.WHO, False
    if _WHO_Q.search(q):
        return AnswerType.WHO, True
    if re.match(r"^\W*where\b", q, re.I):
        return AnswerType.PLACE, False
    if re.match(rf"^\W*{_AUX}\b", q, re.I):
        return AnswerType.YES_NO, False
    if re.match(r"^\W*(?:what|which)\s+(?:are|were)\b|^\W*(?:list|name)\b", q, re.I):
        return AnswerType.LIST, False
    if re.match(r"^\W*what\s+(?:is|are|does)\b.*\b(?:mean|meant)?\b", q, re.I) and len(q.split()) <= 6:
        return AnswerType.DEFINITION, False
    return AnswerType.OTHER, False


def subject(doc) -> str | None:
    """The named subject of the question's main verb, when it is a country, people, organisation or person."""
    for tok in doc:
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.dep_ == "ROOT" and tok.ent_type_ in ("GPE", "NORP", "ORG", "PERSON"):
            return next(e.text for e in doc.ents if e.start <= tok.i < e.end)
    return None


def focus(doc) -> Focus | None:
    """The owner of the thing asked about, when the question names one: "Russia's defence minister", "the Russian navy"."""
    for tok in doc:
        if tok.dep_ not in ("poss", "amod", "compound") or tok.ent_type_ not in ("GPE", "NORP", "ORG"):
            continue
        head = tok.head
        if head.pos_ != "NOUN" or head.ent_type_:
            continue
        # Only the thing asked for: "Which Chinese official…?", "Who is Russia's defence minister?"; not a subject such as
        # "the US administration" in "Whom does the US administration see as its rival?".
        which = any(c.tag_ in ("WDT", "WP") for c in head.children)
        identity = (
            head.dep_ in ("nsubj", "attr")
            and head.head.lower_ in ("be", "is", "are", "was", "were")
            and any(c.tag_ in ("WP", "WDT") for c in head.head.children)
        )
        asked = which or identity
        if not asked:
            continue
        ent = next(e for e in doc.ents if e.start <= tok.i < e.end)
        phrase = doc[min(t.i for t in head.subtree if t.i >= ent.start) : head.i + 1].text
        return Focus(ent.text, head.lower_, phrase, identity)
    return None
