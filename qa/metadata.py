"""Questions about the document itself (author, title, series…) and the verbatim sentences that state the answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.lexical import tokenize_query
from core.types import ABOUT_SECTION, AUTHOR_SECTION, STANDFIRST_SECTION, TITLE_SECTION, Chunk

FIELDS = ("author", "affiliation", "title", "myth", "standfirst", "series", "contributors", "publisher")

_NOUN = r"(?:text|piece|article|document|paper|essay|report|chapter|entry|post|publication|analysis|study|myth)"
# The document itself ("this", "myth 10", "the short piece"), never something the text talks about ("the joint statement").
_DOC = rf"(?:this|that|it|myth\s+\d+|(?:the|this|that)\s+(?:\w+\s+)?{_NOUN}(?:\s+\d+)?)"
_OF_DOC = rf"(?:\s+(?:of|in|for|from)\s+{_DOC})?(?:\s+(?:on|about|regarding)\s+.+)?(?:\s+here)?"
_WHO = r"(?:the\s+author|the\s+writer|she|he|they)"
_WHICH = r"(?:who|(?:which|what)\s+\w+(?:\s+\w+)?)"
_MAIN = r"(?:main|central|key|core|overall|principal)\s+(?:point|argument|message|thesis|conclusion|takeaway|idea|contention)s?"
_SUMMARY = r"(?:summary|gist|tl;?dr|synopsis|bottom\s+line)"
_SERIES = rf"(?:{_DOC}|(?:the|this)\s+(?:\w+\s+){{0,2}}(?:series|research|project))"

# Checked in order, first match wins: affiliation before author ("the author's title"), myth before standfirst
# ("what is the myth about?"). Most anchor both ends so that a content question merely mentioning the author,
# the myth or a publication ("What is the myth about Russia and China?", "Who wrote the novel …?") stays out.
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (field, re.compile(p))
    for field, p in (
        ("affiliation", r"\b(?:author|writer)(?:'s|s'|s)?\s+(?:affiliations?|institut\w*|employer|organi[sz]ation|job|position|role)\b"),
        ("affiliation", r"\b(?:author|writer)(?:'s|s'|s)?\s+(?:title|background|universit\w*|workplace)\b"),
        ("affiliation", r"\b(?:her|his|their)\s+(?:affiliations?|employer|institut\w*|job(?:\s+title)?|workplace)\b"),
        ("affiliation", r"\baffiliations?\s+of\s+the\s+(?:author|writer)\b|^what\s+is\s+the\s+affiliation$"),
        ("affiliation", rf"^(?:what|who|which\s+\w+)\s+(?:is|are)\s+{_WHO}\s+affiliated\b"),
        ("affiliation", rf"^where\s+(?:does|do|did|is)\s+{_WHO}(?:\s+of\s+{_DOC})?\s+(?:work|based|from|employed)\b"),
        ("affiliation", rf"^{_WHICH}\s+(?:does|did|is)\s+{_WHO}(?:\s+of\s+{_DOC})?\s+(?:work\s+(?:for|at|in)|from|with|employed\s+by)\b"),
        ("contributors", r"\bwho\s+(?:are|were)\s+(?:the\s+)?(?:other\s+)?(?:contributors|experts)\b"),
        ("contributors", r"\bwho\s+else\s+(?:contributed|wrote|is\s+involved|took\s+part)\b|^(?:the\s+)?contributors$"),
        ("contributors", rf"^who\s+(?:has\s+)?contributed(?:\s+to\s+{_SERIES})?$"),
        ("contributors", r"\b(?:list|names?)\s+(?:of\s+)?(?:the\s+)?(?:contributors|other\s+authors)\b"),
        ("publisher", rf"^{_WHICH}\s+(?:is\s+|was\s+)?(?:publish|published|publishes|publishing)(?:\s+{_SERIES})?$"),
        ("publisher", rf"^(?:who|what)\s+is\s+the\s+publisher(?:\s+of\s+{_SERIES})?$|^(?:the\s+)?publisher$"),
        ("publisher", rf"^who\s+(?:is|was)\s+{_SERIES}\s+published\s+by$|\bpublished\s+by\s+whom\b"),
        ("publisher", rf"^{_WHICH}\s+(?:is|was|are)\s+behind\s+{_SERIES}$"),
        ("series", r"\b(?:what|which)\s+(?:\w+\s+){0,2}series\b(?!\s+of\b)|\babout\s+(?:this|the)\s+series\b"),
        ("series", r"\b(?:aim|purpose|goal|subject|topic|focus)\s+of\s+(?:the|this)\s+(?:\w+\s+){0,3}(?:series|project)\b"),
        ("series", r"\bpart\s+of\s+(?:a|which|what)\s+(?:\w+\s+)?(?:series|collection)\b"),
        ("author", rf"^who\s+(?:wrote|writes|has\s+written|authored|penned|is\s+behind)(?:\s+{_DOC}(?:\s+(?:on|about)\s+.+)?)?$"),
        ("author", rf"^who\s+(?:is|are|was|were)\s+(?:the\s+)?(?:authors?|writers?){_OF_DOC}$|^(?:the\s+)?authors?$"),
        ("author", rf"\bwho\s+(?:is|was)\s+{_DOC}\s+(?:written\s+by|authored\s+by|by)$|\bwhose\s+{_NOUN}\b"),
        (
            "author",
            r"\b(?:authors?|writers?)(?:'s|s')?\s+name\b|\bname\s+of\s+the\s+(?:author|writer)\b|\b(?:written|authored)\s+by\s+whom\b",
        ),
        ("myth", rf"^(?:what|which)\s+myth(?:\s+number)?(?:$|\s+is\s+{_DOC}|\s+does\s+{_DOC}\s+\w+)"),
        ("myth", r"^(?:what|which)\s+myth\s+(?:is|are)\s+(?:being\s+)?(?:discussed|addressed|debunked|covered|examined|tackled)"),
        (
            "myth",
            r"^what\s+(?:exactly\s+)?is\s+(?:the|this)\s+myth(?:\s+here|\s+about)?$|^what\s+(?:is|does)\s+myth\s+\d+(?:\s+(?:about|say|claim))?$",
        ),
        (
            "myth",
            r"\bwhat\s+number\s+(?:is|does|has)\s+(?:this|the)\s+(?:\w+\s+){0,2}myth\b|\bwhich\s+number\s+is\s+(?:this|the)\s+(?:\w+\s+){0,2}myth\b",
        ),
        (
            "myth",
            rf"^what\s+(?:belief|claim|idea|myth|misconception|notion)\s+(?:is|does)\s+{_DOC}\s+(?:challeng|debunk|address|tackl|refut|dispel)\w*$",
        ),
        ("title", rf"^what\s+is\s+(?:the|its)\s+(?:full\s+|exact\s+)?title{_OF_DOC}$|^what\s+is\s+{_DOC}\s+(?:called|titled|named)$"),
        ("title", rf"\b(?:title|name|headline)\s+of\s+{_DOC}$|^(?:the\s+)?title$"),
        (
            "standfirst",
            rf"^(?:what\s+(?:is|are)\s+)?(?:the\s+)?(?:author\'s\s+)?{_MAIN}(?:\s+(?:of|in|from)\s+(?:{_DOC}|the\s+author))?(?:\s+in\s+(?:one|a)\s+sentence|\s+in\s+(?:short|brief))?(?:\s+here)?$",
        ),
        (
            "standfirst",
            rf"^(?:can\s+you\s+)?(?:summari[sz]e|sum\s+up)(?:\s+{_DOC})?(?:\s+(?:in\s+(?:one|a)\s+sentence|briefly|for\s+me))?$",
        ),
        (
            "standfirst",
            rf"^(?:what\s+is\s+|give\s+(?:me\s+)?)?(?:a\s+|the\s+)?(?:short\s+|brief\s+|one[- ]sentence\s+)?{_SUMMARY}(?:\s+of\s+{_DOC})?$",
        ),
        ("standfirst", rf"^what\s+is\s+{_DOC}\s+about$|^what\s+does\s+(?:the\s+author|{_DOC})\s+(?:argue|conclude|say)$"),
    )
)
_SHORT = (
    (r"\bwho'?s\b", "who is"),
    (r"\bwhat'?s\b", "what is"),
    (r"^(?:(?:so|ok|okay|and|but|please|hi|hey)\b,?\s*)+", ""),
    (r"^(?:can\s+you\s+)?tell\s+me\s+", ""),
)
_ENDS_SENTENCE = re.compile(r"[.!?…][’”\"')]*\s*$")
# A blurb sentence about the series or its publisher: it names the publisher recorded for the file (corpus/sources.toml),
# or says one of these words; when none does, the blurb's first sentence.
_SERIES_WORDS = re.compile(r"\b(?:series|published|publisher)\b", re.I)
_MYTH_SECTIONS = {
    "author": (AUTHOR_SECTION,),
    "affiliation": (AUTHOR_SECTION,),
    "title": (TITLE_SECTION,),
    "myth": (TITLE_SECTION, STANDFIRST_SECTION),  # what the myth is, then the one sentence saying why it is wrong
    "standfirst": (STANDFIRST_SECTION,),
}


def metadata_field(question: str) -> str | None:
    """Which fact about the document itself the question asks for, or None (most questions).

    >>> metadata_field("who wrote this"), metadata_field("Who advocates the myth?")
    ('author', None)
    """
    q = re.sub(r"\s+", " ", question.lower().replace("’", "'").replace("‘", "'")).strip(" ?.!")
    for pattern, repl in _SHORT:
        q = re.sub(pattern, repl, q)
    return next((field for field, pattern in _PATTERNS if pattern.search(q)), None)


def metadata_sentences(field: str, chunks: Sequence[Chunk], myth: int | None = None, ranked: Sequence[int] = (), terms=()) -> list[int]:
    """Sentence ids (index order) that state ``field`` verbatim, from the parsed structure.

    Args:
        field: one of FIELDS.
        chunks: the index's chunks in id order (``IndexData.chunks``); sentence ids number their sentences in order.
        myth: restrict to this myth number; None takes the myths of the index, at most 3.
        ranked: myth numbers in the order retrieval ranked their passages: with several myths, the one the question
            is about comes first, and alone when its title uses one of ``terms`` (the question's stemmed terms).

    Returns:
        The sentence ids, or [] when the texts lack that fact (no such myth, no series blurb…).
    """
    if field not in FIELDS:
        raise ValueError(f"unknown metadata field {field!r}; expected one of {FIELDS}")
    first, n = [], 0
    for c in chunks:
        first.append(n)
        n += len(c.sentences)
    titled = {c.myth: c.text for c in chunks if c.section == TITLE_SECTION and myth in (None, c.myth)}
    myths = [m for m in dict.fromkeys([*ranked, *titled]) if m in titled][:3]
    words = {m: set(tokenize_query(titled[m])) for m in myths}
    if myth is None and len(myths) > 1 and (set(terms) & words[myths[0]]) - set.intersection(*words.values()):
        myths = myths[:1]  # "Who wrote the piece on the Arctic?": the myth whose title it names
    if field in _MYTH_SECTIONS:
        picked = [i for i, c in enumerate(chunks) if c.section in _MYTH_SECTIONS[field] and c.myth in myths]
        return [first[i] + k for i in picked for k in range(len(chunks[i].sentences))]
    # The series blurb and contributor list precede a file's first myth: take those of the files holding the myth asked.
    sources = {c.source for c in chunks if c.myth in myths} if myth is not None else None
    about = [i for i, c in enumerate(chunks) if c.section == ABOUT_SECTION and (sources is None or c.source in sources)]
    # A contributor entry is name and affiliation lines without a sentence end; the blurb is prose.
    entries = {i for i in about if not _ENDS_SENTENCE.search(chunks[i].text)}
    out, seen, first_prose = [], set(), None
    for i in about:
        c = chunks[i]
        for k, s in enumerate(c.sentences):
            text = c.text[s.start - c.start : s.end - c.start]
            if field == "contributors":
                wanted = i in entries
            else:
                first_prose = first_prose if first_prose is not None or i in entries else first[i] + k
                wanted = i not in entries and (_names_publisher(c, s) or bool(_SERIES_WORDS.search(text)))
            if wanted and text not in seen:  # several files of one series repeat its blurb: state it once
                seen.add(text)
                out.append(first[i] + k)
    return out or ([first_prose] if first_prose is not None else [])


def _names_publisher(chunk: Chunk, span) -> bool:
    """Whether the sentence ``span`` of ``chunk`` names an organisation that is (part of) the file's recorded publisher."""
    publisher = (chunk.publisher or "").lower()
    return bool(publisher) and any(
        m.label == "ORG" and span.start <= m.start < span.end and _org(chunk.text[m.start - chunk.start : m.end - chunk.start]) in publisher
        for m in chunk.mentions
    )


def _org(name: str) -> str:
    return re.sub(r"^(?:the|this|that)\s+", "", name.strip(), flags=re.I).lower()
