"""Discourse roles of each sentence, found once per build: whose view it gives (stance) and where it stands in a list.

English discourse conventions only (reporting verbs, "According to …", "First, … Second, …", "for three reasons"); the
names of speakers come from each text's own parse, never from code.
"""

from __future__ import annotations

import re
from dataclasses import replace

from core.grammar import LIST_NOUNS, ORDINALS, relations, reporter
from core.lexical import stem
from core.types import MYTH_SECTION, OPENER, STANDFIRST_SECTION, TITLE_SECTION, Chunk, Role

# Openings that put a whole sentence in someone else's mouth or in the myth's.
_REPORTED_OPENING = re.compile(
    r"^\W*(?:according\s+to\s+(?P<who>[^,]+),|in\s+(?P<whose>[^,]+?)['’]s?\s+view\b|by\s+(?:this|that|their|such\s+an?)\s+account\b|"
    r"on\s+this\s+(?:reading|view|account)\b|in\s+this\s+view\b|the\s+argument\s+(?:goes|runs)\b)",
    re.I,
)
_REPORTED_ANYWHERE = re.compile(
    r"\b(?:it\s+is\s+(?:said|claimed|argued|believed)|the\s+argument\s+goes|so\s+the\s+(?:argument|story)\s+goes)\b", re.I
)

NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "several": 0}
_ORDINAL = {**{w: n for w, n in ORDINALS.items() if n >= 0}, **{f"{w}ly": n for w, n in ORDINALS.items() if 0 <= n < 4}}
_LAST = ("finally", "lastly", "last", "final")
_NEXT = r"another|a\s+further|an\s+additional|one\s+more|a\s+(?:second|third|fourth|fifth|final|last)"
_ITEM_NOUNS = (
    r"reasons?|risks?|problems?|costs?|factors?|steps?|lessons?|consequences?|areas?|ways?|forms?|tasks?|priorit(?:y|ies)|"
    r"elements?|challenges?|weakness(?:es)?|flaws?|obstacles?|constraints?|limits?|differences?|mistakes?|errors?|dangers?"
)
_ITEM = re.compile(
    r"^\W*(?:(?:and|but)\s+)?(?:"
    r"(?P<adv>first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth(?:ly)?|fifth|finally|lastly|last\s+but\s+not\s+least|in\s+the\s+first\s+place)\s*[,:;–—-]"
    r"|the\s+(?P<the>first|second|third|fourth|fifth|final|last)\b(?!\s+(?:time|half|quarter|day|week|month|year|decade)s?\b)"
    r"|(?P<next>" + _NEXT + r")\s+(?:\w+\s+){0,2}?(?:is|was|are|concerns?|lies|comes|involves|" + _ITEM_NOUNS + r")\b"
    r"|(?P<one>one)\s+(?:\w+\s+){0,2}?(?:" + _ITEM_NOUNS + r")\s+(?:is|was|lies|concerns)\b"
    r"|on\s+the\s+(?P<hand>one|other)\s+hand\b"
    r")",
    re.I,
)


def roles(chunks: list[Chunk], docs: list) -> list[Chunk]:
    """The chunks of one document with ``roles`` set: one Role per sentence, stance first, then lists across paragraphs.

    Args:
        chunks: the chunks of one document, in reading order, with ``quotes`` already found (ingest.annotate).
        docs: their spaCy parses, one per chunk.
    """
    per_chunk = [
        [replace(_stance(c, doc, s), relations=relations(_tokens(doc, c, s))) for s in c.sentences]
        for c, doc in zip(chunks, docs, strict=True)
    ]
    flat = [(ci, si) for ci, c in enumerate(chunks) for si in range(len(c.sentences))]
    texts = [_text(chunks[ci], chunks[ci].sentences[si]) for ci, si in flat]
    sections = [chunks[ci].section or "" for ci, _ in flat]
    starts = [chunks[ci].sentences[si].start for ci, si in flat]
    own = [per_chunk[ci][si].stance == "author" for ci, si in flat]
    found = enumerations(texts, sections, starts, [docs[ci] for ci, _ in flat], [chunks[ci] for ci, _ in flat], own)
    for n, (start, item) in enumerate(found):
        ci, si = flat[n]
        role = per_chunk[ci][si]
        if item >= 0:  # "The first is that …", "A third cost is …": the author sets out the list, whatever the item cites
            role = replace(role, stance="author", holder="")
        per_chunk[ci][si] = replace(role, list_start=start, item=item)
    return [replace(c, roles=tuple(r)) for c, r in zip(chunks, per_chunk, strict=True)]


def _text(chunk: Chunk, span) -> str:
    return chunk.text[span.start - chunk.start : span.end - chunk.start]


def _tokens(doc, chunk: Chunk, span):
    part = doc.char_span(span.start - chunk.start, span.end - chunk.start, alignment_mode="expand")
    return list(part) if part is not None else []


def _stance(chunk: Chunk, doc, span) -> Role:
    """Whose view one sentence gives: the myth's (its title and "What is the myth?"), a reported one, or the author's."""
    if chunk.section in (TITLE_SECTION, MYTH_SECTION):
        return Role("myth", "the myth")
    if chunk.section == STANDFIRST_SECTION:  # the author's one-line thesis
        return Role("author", "")
    text = _text(chunk, span)
    for q in chunk.quotes:  # a sentence mostly inside a quotation, or quoting a whole clause, is the speaker's
        inside = text[max(q.start, span.start) - span.start : min(q.end, span.end) - span.start]
        if q.end > span.start and q.start < span.end and (len(inside) >= 0.5 * len(text) or len(inside.split()) >= 6):
            return Role("reported", q.speaker)
    if m := _REPORTED_OPENING.match(text):
        return Role("reported", (m.group("who") or m.group("whose") or "").strip())
    if _REPORTED_ANYWHERE.search(text):
        return Role("reported", "")
    toks = _tokens(doc, chunk, span)
    inside = {t.i for t in toks}
    # The main clause only: what follows a colon ("The first is that …: …, diplomats said") is the author's evidence.
    heads = [t for t in toks if t.dep_ == "ROOT" or t.head.i not in inside][:1]
    heads += [c for h in heads for c in h.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")]
    for verb in heads:
        holder = reporter(verb)
        if holder is not None:
            return Role("reported", holder)
    return Role("author", "")


def _count_noun(doc_tokens) -> tuple[int, str] | None:
    """(count, noun) when the sentence announces a number of things: "for three reasons", "creates three problems"."""
    for t in doc_tokens:
        n = NUMBER_WORDS.get(t.lower_)
        if n is None or t.dep_ != "nummod" or t.head.tag_ != "NNS" or stem(t.head.lower_) not in LIST_NOUNS:
            continue
        return n, t.head.lower_
    return None


def _position(text: str) -> int | str | None:
    """The item position a sentence opens with: 0 for "First, …", "next" for "Another risk is …", "last" for "Finally, …"."""
    m = _ITEM.match(text)
    if not m:
        return None
    word = (m.group("adv") or m.group("the") or "").lower().split()[0] if (m.group("adv") or m.group("the")) else ""
    if m.group("one"):
        return 0
    if m.group("hand"):
        return 0 if m.group("hand").lower() == "one" else 1
    if m.group("next"):
        nxt = m.group("next").lower().split()
        return _ORDINAL.get(nxt[-1], "next") if nxt[0] == "a" and nxt[-1] in _ORDINAL else "last" if nxt[-1] in _LAST else "next"
    if word == "in":  # "in the first place"
        return 0
    if word in _LAST or word.startswith("last"):
        return "last"
    return _ORDINAL.get(word)


def enumerations(texts, sections, starts, docs, chunks, own) -> list[tuple[int, int]]:
    """(list_start, item) per sentence of one document, in reading order: ``item`` is the 0-based position of a list item,
    OPENER for the sentence announcing the list, -1 otherwise; ``list_start`` is the document offset of the list's first
    sentence (-1 outside lists). Lists stay inside one section; an item without an announcing sentence takes the sentence
    before it as its opener when that sentence stands in the same section and in no list. ``own``: per sentence, whether
    it is the author's (a quotation announces no list of the text's)."""
    out = [(-1, -1)] * len(texts)
    current: list[int] | None = None  # sentence numbers of the open list's items ([] after an announcing sentence)
    opener_at = pending = None
    first = next_pos = 0
    for n, text in enumerate(texts):
        if n and sections[n] != sections[n - 1]:
            current, opener_at, pending = None, None, None
        pos = _position(text)
        if pos is None:
            if own[n] and _announces(text, docs[n], chunks[n], starts[n]):
                pending = n  # opens a new list only if a first item follows; an open list goes on otherwise
                if not current:
                    current, opener_at = [], n
            continue
        if pos == 0:
            if current is None or current:  # a fresh list; an announcing sentence just seen stays its opener
                before = pending if pending is not None else n - 1
                ok = before >= 0 and sections[before] == sections[n] and out[before] == (-1, -1) and _position(texts[before]) is None
                opener_at = before if ok else None
            current, position = [], 0
            first = starts[opener_at] if opener_at is not None else starts[n]
        elif current is None:
            continue  # a stray "Second, …" or "Another …" with no list open
        else:
            position = next_pos if pos in ("next", "last") else pos
        if not current and opener_at is not None:
            out[opener_at] = (first, OPENER)
        current.append(n)
        out[n] = (first, position)
        next_pos, pending = position + 1, None
    return out


def _announces(text: str, doc, chunk: Chunk, start: int) -> bool:
    """Whether a sentence announces items that follow it ("… fails for three reasons.", "… in four steps:"), not listing
    them itself ("in three forms: mines, harassment and jamming")."""
    span = next((s for s in chunk.sentences if s.start == start), None)
    toks = _tokens(doc, chunk, span) if span is not None else []
    found = _count_noun(toks)
    if found is None:
        return text.rstrip().endswith(":")
    head = text.split(":", 1)
    return len(head) == 1 or len(head[1].split()) < 4
