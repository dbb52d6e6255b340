"""Which part of a myth a question is aimed at: the five template sections, the author, the summary."""

from __future__ import annotations

import re

from core.types import AUTHOR_SECTION, STANDFIRST_SECTION, TEMPLATE_SECTIONS

MYTH, ADVOCATES, WRONG, IMPACT, POLICY = TEMPLATE_SECTIONS

_ACTOR = r"(?:the\s+)?(?:west(?:ern)?|nato|us|u\.s\.|eu|europe(?:an)?|allies|governments?|policy-?makers|leaders|states|countries|we)"

# Generic English patterns for the template's questions; written from the section headings, not from
# any evaluation question. Each pattern names the section a match points to.
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (section, re.compile(p, re.IGNORECASE))
    for section, p in (
        (AUTHOR_SECTION, r"\bwho\b.{0,20}\b(?:wrote|writes|written|authored|author)\b|\bwritten\s+by\b|\bauthor\s+of\b"),
        (
            AUTHOR_SECTION,
            r"\b(?:about|name\s+of)\s+the\s+author\b|\bauthor(?:'s)?\s+(?:work|affiliation|institut|employ|job|position|background)",
        ),
        (MYTH, r"\bwhat\s+(?:is|'s|exactly\s+is)\s+(?:the|this)\s+(?:myth|claim|misconception|belief)\b"),
        (
            MYTH,
            r"\bwhat\s+does\s+(?:the|this)\s+myth\s+(?:say|claim|state|hold)\b|\bwhat\s+do\s+(?:people|many)\s+(?:believe|think|claim)\b",
        ),
        (ADVOCATES, r"\bwho\b.{0,40}\b(?:advocat|promot|subscrib|believ|support|spread|push|propagat|endors|back|repeat)"),
        (ADVOCATES, r"\b(?:advocates|proponents|supporters|promoters|believers)\b.{0,30}\b(?:myth|idea|claim|narrative|view)"),
        (WRONG, r"\bwhy\b.{0,40}\b(?:wrong|false|mistaken|incorrect|untrue|misleading|flawed|a\s+myth)\b"),
        (WRONG, r"\b(?:evidence|arguments?|reasons?)\s+(?:against|that\s+(?:it|the\s+myth|this)\s+is\s+(?:wrong|false))"),
        (WRONG, r"\bis\s+(?:it|the\s+myth|this|the\s+claim)\s+(?:true|wrong|false|correct|right)\b"),
        (IMPACT, r"\b(?:impact|effects?|consequences?|implications?|influence)\b.{0,40}\bpolic(?:y|ies|ymakers?)\b"),
        (IMPACT, r"\bpolic(?:y|ies|ymakers?)\b.{0,40}\b(?:impact|effects?|consequences?|implications?|affected|influenced)\b"),
        (POLICY, r"\b(?:good|better|right|sound|smart|effective)\s+polic(?:y|ies)\b|\bpolicy\s+(?:recommendations?|options?)\b"),
        (POLICY, rf"\b(?:what|how)\s+(?:should|must|ought|could|can)\s+{_ACTOR}\b|\bshould\s+{_ACTOR}\b|\b{_ACTOR}\s+should\b"),
        (POLICY, r"\bwhat\s+(?:should|must)\s+be\s+done\b|\brecommend"),
        (
            STANDFIRST_SECTION,
            r"\b(?:main|central|key|core)\s+(?:argument|point|message|claim|conclusion)\b|\bin\s+(?:short|brief|a\s+nutshell)\b",
        ),
        (STANDFIRST_SECTION, r"\bwhat\s+(?:is|'s)\s+(?:this|the|myth)\b[\w\s]{0,20}\babout\b|\bsummar(?:y|ise|ize)\b|\bgist\b"),
    )
)


def detect_sections(question: str) -> tuple[str, ...]:
    """Return the sections a question names or implies, in pattern order, without duplicates.

    >>> detect_sections("Who promotes this idea?")
    ('Who advocates or subscribes to it?',)
    """
    found: list[str] = []
    for section, pattern in _PATTERNS:
        if section not in found and pattern.search(question):
            found.append(section)
    return tuple(found)


def canonical_section(name: str, known: tuple[str, ...] | list[str]) -> str | None:
    """Match a user-given section name (case, punctuation and a prefix tolerated) to a known section."""
    key = re.sub(r"[^a-z ]", "", name.lower()).strip()
    if not key:
        return None
    exact = [s for s in known if re.sub(r"[^a-z ]", "", s.lower()).strip() == key]
    if exact:
        return exact[0]
    partial = [s for s in known if key in re.sub(r"[^a-z ]", "", s.lower())]
    return partial[0] if len(partial) == 1 else None
