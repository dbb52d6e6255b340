"""Recognise the myth template in a document: title, author, standfirst, the five sections, paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.types import (
    ABOUT_SECTION,
    AUTHOR_SECTION,
    STANDFIRST_SECTION,
    TEMPLATE_SECTIONS,
    TITLE_SECTION,
    Document,
    MythInfo,
)

_QUOTES = "‘’'\"“”"
TITLE_RE = re.compile(r"^\s*(?:#+\s*)?\**\s*Myth\s+(\d{1,4})\s*[:.\-–—]\s*(.+?)\s*\**\s*$", re.IGNORECASE)
NUMBERED_TITLE_RE = re.compile(r"^\s*(?:#+\s*)?(\d{1,3})\s+([‘“\"'].+[’”\"'])\s*$")
NAME_RE = re.compile(r"^(?:(?:[A-Z][\w’'.\-]*|van|von|de|der|den|du|da|la|le|al|bin)\s*){1,4}$")
_OPEN_TITLE_RE = re.compile(r"^\s*(?:#+\s*)?\**\s*(?:Myth\s+\d{1,4}\s*[:.\-–—]?|\d{1,3})\s*(?:[‘“\"'].*)?$", re.IGNORECASE)
_CLOSED_RE = re.compile(r"[’”\"']\s*\**\s*$")
_HONORIFIC_RE = re.compile(r"^(?:Dr|Prof|Professor|Sir|Dame|Mr|Mrs|Ms)\.?\s+")
_HEADINGS = {re.sub(r"[^a-z ]", "", h.lower()).strip(): h for h in TEMPLATE_SECTIONS}
_TERMINAL = tuple('.?!:;)’”"')


@dataclass(frozen=True)
class Block:
    """A paragraph (or header block) with its place in the myth structure; offsets index the text."""

    start: int
    end: int
    myth: int | None
    title: str | None
    author: str | None
    affiliation: str | None
    section: str | None
    paragraph: int | None


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str  # stripped
    gap_before: bool  # a blank line precedes it


def _lines(text: str) -> list[_Line]:
    out, pos, gap = [], 0, False
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped, gap))
            gap = False
        else:
            gap = True
        pos += len(raw) + 1
    return out


def heading_of(line: str) -> str | None:
    """Return the template section a line names, tolerant of markdown, case and punctuation."""
    key = re.sub(r"[^a-z ]", "", line.lower().lstrip("#* ").replace("’", "'")).strip()
    return _HEADINGS.get(re.sub(r"\s+", " ", key))


def title_of(line: str) -> tuple[int, str] | None:
    """Return (myth number, title) when the line is a myth title line."""
    m = TITLE_RE.match(line) or NUMBERED_TITLE_RE.match(line)
    if not m:
        return None
    return int(m.group(1)), m.group(2).strip().strip(_QUOTES).strip()


_AFFILIATION_WORDS = re.compile(
    r"\b(Institute|University|Professor|Head|Fellow|Director|Research|Centre|Center|School|College|Department|"
    r"Ministry|Foundation|Council|Academy|Programme|Program|Tank|Associate|Senior|Lecturer|Analyst|Chair)\b"
)


def _is_name(line: str) -> bool:
    return len(line) < 40 and not any(ch.isdigit() for ch in line) and bool(NAME_RE.match(line)) and not _AFFILIATION_WORDS.search(line)


def _author_like(line: str) -> bool:
    """A line of one or more personal names ("Dr Jane Doe and John Smith"), as follows a myth title."""
    parts = [_HONORIFIC_RE.sub("", p) for p in re.split(r"\s+(?:and|&)\s+", line)]
    return all(_is_name(p) for p in parts)


def _title_spans(lines: list[_Line]) -> dict[int, int]:
    """Map the index of each myth title's first line to its last (PDFs wrap long titles over lines).

    A ``Myth N: ‘…’`` line with its whole title in quotes always counts. A numbered heading
    (``01 ‘…’``, the number possibly on a line of its own) or an unquoted ``Myth N: …`` line counts
    only when an author-like line follows it, so a paragraph that merely starts with a number or
    with the word Myth is not taken for a title.
    """
    spans: dict[int, int] = {}
    i = 0
    while i < len(lines):
        j = i
        if _OPEN_TITLE_RE.match(lines[i].text) and not _CLOSED_RE.search(lines[i].text):
            while j < min(i + 2, len(lines) - 1) and not _CLOSED_RE.search(lines[j].text) and not heading_of(lines[j + 1].text):
                j += 1
            j = j if _CLOSED_RE.search(lines[j].text) else i
        text = " ".join(ln.text for ln in lines[i : j + 1])
        found = title_of(text)
        m = TITLE_RE.match(text)
        quoted = bool(m and m.group(2)[0] in "‘“\"'" and _CLOSED_RE.search(m.group(2)))
        if found and (quoted or (j + 1 < len(lines) and _author_like(lines[j + 1].text))):
            spans[i] = j
            i = j + 1
        else:
            i += 1
    return spans


def title_starts(text: str) -> list[int]:
    """Character offsets where the myth titles of ``text`` begin, as ``parse`` recognises them."""
    lines = _lines(text)
    return [lines[i].start for i in _title_spans(lines)]


def _paragraphs(lines: list[_Line], wrapped: bool, titles: dict[int, int]) -> list[list[_Line]]:
    """Group lines into paragraphs.

    Text with blank lines joins lines until a blank line; wrapped lines (PDFs) are joined until a line
    that ends a sentence well short of the full width, or is much shorter than it (names, affiliations);
    text without blank lines has a paragraph per line. Headings and title lines always stand alone.
    """
    has_gaps = any(ln.gap_before for ln in lines[1:])
    width = max((len(ln.text) for ln in lines), default=0)
    in_title = {k: first for first, last in titles.items() for k in range(first, last + 1)}
    paras: list[list[_Line]] = []
    for k, ln in enumerate(lines):
        if in_title.get(k, k) != k:  # a wrapped title's continuation line
            paras[-1].append(ln)
            continue
        special = heading_of(ln.text) or k in titles
        prev = paras[-1][-1] if paras else None
        join = prev is not None and not special and not (heading_of(prev.text) or k - 1 in in_title)
        if join:
            if has_gaps:
                join = not ln.gap_before
            elif wrapped:
                short = len(prev.text) < 0.8 * width if prev.text.endswith(_TERMINAL) else len(prev.text) < 0.6 * width
                join = not short
            else:
                join = False
        if join:
            paras[-1].append(ln)
        else:
            paras.append([ln])
    return paras


def _group_bios(paras: list[list[_Line]]) -> list[list[_Line]]:
    """Join contributor bios ('Jane' / 'Van Roe' / affiliation) into one paragraph each."""
    out: list[list[_Line]] = []
    pending: list[_Line] = []
    for p in paras:
        if len(p) == 1 and _is_name(p[0].text) and len(pending) < 4:
            pending.append(p[0])
            continue
        out.append(pending + p)
        pending = []
    if pending:
        out.append(pending)
    return out


def _split_header(paras: list[list[_Line]], wrapped: bool, width: int = 0):
    """Split the paragraphs between a title and its first heading into author groups and a standfirst."""
    paras = list(paras)
    standfirst: list[_Line] = []
    last = paras[-1] if paras else []
    if last and last[-1].text.endswith((".", "?", "!")) and not _is_name(last[0].text):
        standfirst = paras.pop()
        # wrapped text (PDF): the standfirst's lines run the full width; a shorter line before them ends the affiliation
        k = len(standfirst) - 1
        while wrapped and k > 0 and len(standfirst[k - 1].text) >= 0.8 * width and not standfirst[k - 1].text.endswith(_TERMINAL):
            k -= 1
        if k:
            paras.append(standfirst[:k])
            standfirst = standfirst[k:]
    lines = [ln for p in paras for ln in p]
    groups, names, affil = [], [], []
    for ln in lines:
        if _author_like(ln.text) and (not names or not affil) and len(names) < 4:
            if affil:
                groups.append((names, affil))
                names, affil = [], []
            names.append(ln)
        else:
            affil.append(ln)
    if names or affil:
        groups.append((names, affil))
    if groups and len(groups[-1][0]) > 1 and not groups[-1][1]:
        names, _ = groups[-1]  # a name needs an affiliation after it: the last "name" is one
        groups[-1] = (names[:-1], names[-1:])
    return groups, standfirst


def parse(doc: Document) -> tuple[list[Block], list[MythInfo]]:
    """Find the myth structure of a document.

    Returns:
        Blocks in reading order and one MythInfo per myth found (or one with myth=None for a text
        that does not follow the template), each listing the template sections it lacks.
    """
    wrapped = bool(doc.page_starts)
    lines = _lines(doc.text)
    titles = _title_spans(lines)
    paras = _paragraphs(lines, wrapped, titles)
    first_lines = {lines[i].start for i in titles}
    width = max((len(ln.text) for ln in lines), default=0)
    starts = [i for i, p in enumerate(paras) if p[0].start in first_lines]
    blocks: list[Block] = []
    infos: list[MythInfo] = []
    if not starts:
        for n, p in enumerate(paras, 1):
            blocks.append(Block(p[0].start, p[-1].end, None, None, None, None, None, n))
        infos.append(MythInfo(None, None, None, None, doc.source, TEMPLATE_SECTIONS))
        return blocks, infos
    for n, p in enumerate(_group_bios(paras[: starts[0]]), 1):
        blocks.append(Block(p[0].start, p[-1].end, None, None, None, None, ABOUT_SECTION, n))
    for k, first in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(paras)
        b, info = _parse_myth(paras[first:end], doc, wrapped, width)
        blocks += b
        infos.append(info)
    return blocks, infos


def _parse_myth(paras: list[list[_Line]], doc: Document, wrapped: bool, width: int) -> tuple[list[Block], MythInfo]:
    number, title = title_of(" ".join(ln.text for ln in paras[0]))
    first_heading = next((i for i, p in enumerate(paras) if len(p) == 1 and heading_of(p[0].text)), len(paras))
    groups, standfirst = _split_header(paras[1:first_heading], wrapped, width)
    author = " and ".join(" ".join(ln.text for ln in names) for names, _ in groups if names) or None
    affiliation = "; ".join(" ".join(ln.text for ln in aff) for _, aff in groups if aff) or None
    meta = dict(myth=number, title=title, author=author, affiliation=affiliation)
    blocks = [Block(paras[0][0].start, paras[0][-1].end, section=TITLE_SECTION, paragraph=1, **meta)]
    for names, aff in groups:
        group = names + aff
        blocks.append(Block(group[0].start, group[-1].end, section=AUTHOR_SECTION, paragraph=1, **meta))
    if standfirst:
        blocks.append(Block(standfirst[0].start, standfirst[-1].end, section=STANDFIRST_SECTION, paragraph=1, **meta))
    seen, section, n = [], None, 0
    for p in paras[first_heading:]:
        heading = heading_of(p[0].text) if len(p) == 1 else None
        if heading:
            section, n = heading, 0
            seen.append(heading)
            continue
        n += 1
        blocks.append(Block(p[0].start, p[-1].end, section=section, paragraph=n, **meta))
    missing = tuple(s for s in TEMPLATE_SECTIONS if s not in seen)
    return blocks, MythInfo(number, title, author, affiliation, doc.source, missing)
