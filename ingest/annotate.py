"""Entity mentions and quoted speech of each chunk, found once per build with the shared spaCy pipeline (core.nlp)."""

from __future__ import annotations

import re
from dataclasses import replace

from core import nlp
from core.types import Chunk, Mention, Quote
from ingest.discourse import roles

# Recorded in each index's chunking settings: a change here (or of the pipeline) makes the next run annotate anew.
RECIPE = f"{nlp.PIPELINE}/mentions+names+quotes-2+roles-2"
# Labels the read path uses: who, which organisation, where, when, how many; and nationalities ("Chinese minister").
LABELS = frozenset("PERSON ORG GPE NORP LOC FAC PRODUCT EVENT LAW DATE TIME CARDINAL QUANTITY PERCENT MONEY ORDINAL".split())
# Words that introduce reported speech; English, not about any one text.
SPEECH_VERBS = frozenset(
    """say says said saying reply replies replied state states stated declare declares declared describe describes described
    call calls called frame frames framed tell tells told note notes noted warn warns warned claim claims claimed insist
    insists insisted add adds added argue argues argued write writes wrote stress stresses stressed affirm affirms affirmed
    affirming announce announced remark remarked assert asserted explain explained classify classifies classified framing
    characterise characterised characterize characterized label labelled dub dubbed""".split()
)
_OPEN, _CLOSE = '‘“"', '’”"'
_PRONOUNS = frozenset("he she they it we i".split())


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted text (quotes excluded); a ’ followed by a letter is an apostrophe, not a closing quote."""
    spans, i = [], 0
    while (m := re.compile(r"[‘“]|(?<![\w])\"").search(text, i)) is not None:
        close = "”" if m.group() == "“" else '"' if m.group() == '"' else "’"
        j = m.end()
        while (j := text.find(close, j)) != -1 and j + 1 < len(text) and text[j + 1].isalpha():
            j += 1
        if j == -1:
            spans.append((m.end(), len(text)))
            break
        spans.append((m.end(), j))
        i = j + 1
    return spans


def _speaker(sent, mentions: list) -> str | None:
    """Who the sentence says is speaking: the subject of its speech verb, a pronoun read as the last person named."""
    for tok in sent:
        if tok.lower_ not in SPEECH_VERBS:
            continue
        subj, node = None, tok
        for _ in range(3):  # "… reinforce the perception by framing X as ‘…’": the speaker is the main verb's subject
            subj = next((c for c in node.children if c.dep_ == "nsubj"), None)
            if subj is not None or node.head is node:
                break
            node = node.head
        if subj is None:
            continue
        if subj.lower_ in _PRONOUNS:
            people = [m for m in mentions if m.label_ == "PERSON" and m.end_char <= subj.idx]
            return people[-1].text if people else None
        # The name and its title, not the appositions after it: "government spokesperson Jane Roe", "members of parliament".
        words = list(subj.doc[subj.left_edge.i : subj.i + 1])
        words += [t for c in subj.rights if c.dep_ == "prep" and c.lower_ == "of" for t in c.subtree]
        words = [t for t in words if not t.is_punct]
        return " ".join(t.text for t in words) if words else None
    return None


def annotate(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks of one document with their ``mentions``, ``quotes`` and discourse ``roles`` (ingest.discourse); offsets
    index their document, like their sentences."""
    docs = nlp.parse_many([c.text for c in chunks])
    out = []
    for chunk, doc in zip(chunks, docs, strict=True):
        base = chunk.start
        ents = [e for e in doc.ents if e.label_ in LABELS]
        mentions = []
        for e in ents:
            root = e.root
            head = root.head.lower_ if root.dep_ in ("amod", "compound", "poss", "nmod") and root.head is not root else ""
            mentions.append(Mention(base + e.start_char, base + e.end_char, e.label_, head))
        # Proper nouns the entity recogniser left out ("DJI", "RT"): still names a "which company?" can be answered by.
        inside = {t.i for e in ents for t in e}
        for t in doc:
            proper = t.pos_ == "PROPN" or (t.is_upper and t.is_alpha and len(t) >= 2)
            if t.i not in inside and proper and t.i != t.sent.start and any(ch.isalpha() for ch in t.text):
                mentions.append(Mention(base + t.idx, base + t.idx + len(t.text), "NAME", ""))
        mentions.sort(key=lambda m: (m.start, m.end))
        out.append(replace(chunk, mentions=tuple(mentions), quotes=tuple(_quotes(chunk, doc, ents))))
    return roles(out, docs)


def _quotes(chunk: Chunk, doc, ents) -> list[Quote]:
    """Quoted spans with a speaker; a quotation running over several sentences keeps the speaker of its first."""
    quotes = []
    for start, end in quoted_spans(chunk.text):
        sent = doc.char_span(start, max(start + 1, min(end, len(chunk.text))), alignment_mode="expand")
        if sent is None:
            continue
        speaker = _speaker(sent[0].sent, ents)
        if speaker:
            quotes.append(Quote(chunk.start + start, chunk.start + end, speaker))
    return quotes
