"""Cut structured blocks into chunks that fit the encoder's window, keeping sentence boundaries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import blingfire

from core.types import AUTHOR_SECTION, Chunk, Document, Span
from ingest.structure import TITLE_SECTION, Block

SPLITTER = f"blingfire {blingfire.__version__ if hasattr(blingfire, '__version__') else '0.1.8'}"
_WHOLE = {TITLE_SECTION, AUTHOR_SECTION}  # header blocks are kept as one unit, not split into "sentences"


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 256  # tokens per chunk with its context, special tokens included (core.profile.Settings.chunk_tokens)


def split_sentences(text: str, base: int = 0) -> list[Span]:
    """Sentence spans of ``text`` (shifted by ``base``), trimmed of surrounding white space."""
    if not text.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    spans = []
    for a, b in offsets:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            spans.append(Span(base + a + lead, base + b - trail))
    return spans


def context_of(block: Block, source: str) -> str:
    """What a bare paragraph lacks: which myth and section it belongs to."""
    if block.myth is not None:
        return f"Myth {block.myth}: ‘{block.title}’ — {block.section}"
    if block.section:
        return block.section
    return PurePosixPath(source).stem.replace("-", " ").replace("_", " ")


def chunk_document(doc: Document, blocks: list[Block], tokenizer, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """Turn one document's blocks into chunks (ids are -1; the builder numbers them)."""
    chunks: list[Chunk] = []
    for block in blocks:
        context = context_of(block, doc.source)
        if block.section in _WHOLE:
            sentences = [Span(block.start, block.end)]
        else:
            sentences = split_sentences(doc.text[block.start : block.end], block.start)
        sentences = [p for s in sentences for p in _fit(doc.text, s, context, tokenizer, settings.max_tokens)]
        for part, group in enumerate(_pack(doc.text, sentences, context, tokenizer, settings.max_tokens), 1):
            start, end = group[0].start, group[-1].end
            chunks.append(
                Chunk(
                    id=-1,
                    source=doc.source,
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    sentences=tuple(group),
                    myth=block.myth,
                    title=block.title,
                    author=block.author,
                    affiliation=block.affiliation,
                    section=block.section,
                    paragraph=block.paragraph,
                    part=part,
                    page=doc.page_at(start),
                    url=doc.url,
                    context=context,
                )
            )
    return assign_uids(chunks)


def assign_uids(chunks: list[Chunk]) -> list[Chunk]:
    """Give each chunk of one document a stable id from its source and text, not its position.

    Editing, adding or removing other paragraphs leaves a passage's id as it was, so votes and links that
    name it keep finding it; a repeated identical passage in the same file gets ``-2``, ``-3``… in order.
    """
    seen: dict[str, int] = {}
    out = []
    for c in chunks:
        base = hashlib.blake2b(f"{c.source}\x00{c.text}".encode(), digest_size=6).hexdigest()
        seen[base] = seen.get(base, 0) + 1
        out.append(replace(c, uid=base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return out


def _count(tokenizer, context: str, text: str) -> int:
    return len(tokenizer.encode(f"{context}\n{text}").ids)


def _pack(text: str, sentences: list[Span], context: str, tokenizer, limit: int) -> list[list[Span]]:
    """Greedily group consecutive sentences while context + group fits the window."""
    if not sentences:
        return []
    if _count(tokenizer, context, text[sentences[0].start : sentences[-1].end]) <= limit:
        return [sentences]
    groups: list[list[Span]] = [[sentences[0]]]
    for s in sentences[1:]:
        if _count(tokenizer, context, text[groups[-1][0].start : s.end]) <= limit:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _fit(text: str, span: Span, context: str, tokenizer, limit: int) -> list[Span]:
    """Split one over-long sentence at word boundaries into pieces that fit; never truncate."""
    piece = text[span.start : span.end]
    if _count(tokenizer, context, piece) <= limit:
        return [span]
    # room left after [CLS] context \n ... [SEP]; a margin absorbs re-tokenisation at the cut
    budget = limit - len(tokenizer.encode(context + "\n").ids) - 4
    offsets = tokenizer.encode(piece, add_special_tokens=False).offsets
    word_starts = [i for i, (a, _) in enumerate(offsets) if i == 0 or a > offsets[i - 1][1]]
    out, first = [], 0
    while len(offsets) - first > budget:
        cuts = [i for i in word_starts if first < i <= first + budget]
        cut = cuts[-1] if cuts else first + budget
        out.append(Span(span.start + offsets[first][0], span.start + offsets[cut - 1][1]))
        first = cut
    out.append(Span(span.start + offsets[first][0], span.end))
    return out
