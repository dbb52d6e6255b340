"""Recognise the myth template in a document: title, author, standfirst, the five sections, paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.types import (
    ABOUT_SECTION,
    AUTHOR_SECTION,
    STANDFIRST_SECTION,
    TEMPLATE_SECTIONS,
    Document,
    MythInfo,
)

TITLE_SECTION = "Title"
_QUOTES = "‘’'\"“”"
TITLE_RE = re.compile(r"^\s*(?:#+\s*)?\**\s*Myth\s+(\d{1,4})\s*[:.\-–—]\s*(.+?)\s*\**\s*$", re.IGNORECASE)
NUMBERED_TITLE_RE = re.compile(r"^\s*(?:#+\s*)?(\d{1,3})\s+([‘“\"'].+[’”\"'])\s*$")
NAME_RE = re.compile(r"^(?:(?:[A-Z][\w’'.\-]*|van|von|de|der|den|du|da|la|le|al|bin)\s*){1,4}$")
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


def _paragraphs(lines: list[_Line], wrapped: bool) -> list[list[_Line]]:
    """Group lines into paragraphs.

    Text with blank lines or wrapped lines (PDFs) joins lines until a blank line or a line that ends
    a sentence well short of the full width; text without blank lines has a paragraph per line.
    Headings and title lines always stand alone.
    """
    has_gaps = any(ln.gap_before for ln in lines[1:])
    width = max((len(ln.text) for ln in lines), default=0)
    paras: list[list[_Line]] = []
    for ln in lines:
        special = heading_of(ln.text) or title_of(ln.text)
        prev = paras[-1][-1] if paras else None
        join = prev is not None and not special and not (heading_of(prev.text) or title_of(prev.text))
        if join:
            if has_gaps:
                join = not ln.gap_before
            elif wrapped:
                join = not (prev.text.endswith(_TERMINAL) and len(prev.text) < 0.8 * width)
            else:
                join = False
        if join:
            paras[-1].append(ln)
        else:
            paras.append([ln])
    return paras


def _group_bios(paras: list[list[_Line]]) -> list[list[_Line]]:
    """Join contributor bios ('Kristin' / 'Ven Bruusgaard' / affiliation) into one paragraph each."""
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


def _split_header(paras: list[list[_Line]], wrapped: bool):
    """Split the paragraphs between a title and its first heading into author groups and a standfirst."""
    paras = list(paras)
    standfirst: list[_Line] = []
    last = paras[-1] if paras else []
    if last and last[-1].text.endswith((".", "?", "!")) and not _is_name(last[0].text):
        standfirst = paras.pop()
    lines = [ln for p in paras for ln in p]
    groups, names, affil = [], [], []
    for ln in lines:
        if _is_name(ln.text) and (not names or not affil) and len(names) < 4:
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
    paras = _paragraphs(_lines(doc.text), wrapped)
    starts = [i for i, p in enumerate(paras) if len(p) == 1 and title_of(p[0].text)]
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
        b, info = _parse_myth(paras[first:end], doc, wrapped)
        blocks += b
        infos.append(info)
    return blocks, infos


def _parse_myth(paras: list[list[_Line]], doc: Document, wrapped: bool) -> tuple[list[Block], MythInfo]:
    number, title = title_of(paras[0][0].text)
    first_heading = next((i for i, p in enumerate(paras) if len(p) == 1 and heading_of(p[0].text)), len(paras))
    groups, standfirst = _split_header(paras[1:first_heading], wrapped)
    author = " and ".join(" ".join(ln.text for ln in names) for names, _ in groups if names) or None
    affiliation = "; ".join(" ".join(ln.text for ln in aff) for _, aff in groups if aff) or None
    meta = dict(myth=number, title=title, author=author, affiliation=affiliation)
    t = paras[0][0]
    blocks = [Block(t.start, t.end, section=TITLE_SECTION, paragraph=1, **meta)]
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
