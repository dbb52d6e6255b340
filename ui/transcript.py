"""The conversation as downloadable Markdown and JSON, and one answer as plain text to copy, with every citation."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping

from qa.types import Passage
from store.turn import Feedback, Turn
from store.votes import VERDICTS
from ui.lead import LABEL, lead
from ui.text import safe_url

SCORES = "Scores rank the passages for one question (higher means a closer match); they are not the chance that an answer is right."
# Characters that make Markdown or HTML out of text; a backslash shows each literally in any CommonMark reader.
_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>&|~$#!"})
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")  # would start a list or an underline at the beginning of a line


def source_label(p: Passage) -> str:
    """The citation, plus the source file for PDFs (whose citation carries the page)."""
    return f"{p.citation()} · {p.source}" if p.page is not None else p.citation()


def md(text: str) -> str:
    """Corpus or user text as one inert line of Markdown: no HTML, links, emphasis or list markers survive."""
    flat = " ".join(str(text).split()).translate(_MD_SPECIAL)
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", flat)


def _feedback_text(fb: Feedback | None) -> str:
    if fb is None or (fb.verdict is None and not fb.comment):
        return ""
    verdict = f"{VERDICTS[fb.verdict]}." if fb.verdict else "No vote."
    return f"Feedback: {verdict}" + (f" Comment: “{md(fb.comment)}”" if fb.comment else "")


def _heading(t: Turn) -> str:
    if t.claim is None:
        return md(t.question)
    return f"Claim check: {md(t.question)}"


def to_markdown(turns: list[Turn], feedback: Mapping[str, Feedback]) -> str:
    """The conversation as a Markdown document; every piece of corpus and user text is escaped."""
    lines = ["# Myth Q&A conversation", "", f"Exported {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. {SCORES}", ""]
    for n, t in enumerate(turns, 1):
        a = t.answer
        lines += [f"## {n}. {_heading(t)}", ""]
        if t.notice:
            lines += [f"*{md(t.notice)}*", ""]
        if a.read_against:
            lines += [f"*Read against: “{md(a.read_against[0])}” → “{md(a.read_against[1])}”*", ""]
        elif a.understood_as:
            lines += [f"*Understood as: {md(a.understood_as)}*", ""]
        if t.claim is not None and t.claim.matched and t.claim.myth is not None:
            by = f" by {md(t.claim.author)}" if t.claim.author else ""
            lines += [f"Matches Myth {t.claim.myth}: ‘{md(t.claim.title or '')}’{by}.", ""]
        n = t.numbers()
        if a.answered:
            before = lead(t)
            lines += [f"> *{md(LABEL)}* {md(before.text)} [{n[before.passage]}]\n>"] if before else []
            lines += [f"> {md(s.text)} [{n[s.passage]}]\n>" for s in a.sentences]
            lines[-1] = lines[-1].removesuffix("\n>")
            if a.message:
                lines += ["", f"*{md(a.message)}*"]
        else:
            lines.append(f"*{md(a.message or 'The corpus does not answer this question.')}*")
        lines += ["", f"Filter: {md(t.filters()) or 'none'}.", "", "Sources:" if a.answered else "Closest passages:", ""]
        cited = set(t.cited())
        for i in sorted(range(len(a.passages)), key=n.get):
            p, url = a.passages[i], safe_url(a.passages[i].url)
            lines.append(f"{n[i]}. {md(p.citation())} — {md(p.source)}{f' — <{url}>' if url else ''} (score {p.score:.3f})")
            if i in cited:
                lines.append(f"   > {md(p.text)}")
        if note := _feedback_text(feedback.get(t.id)):
            lines += ["", note]
        lines += ["", f"Index version {md(t.index_version)}.", ""]
    return "\n".join(lines)


def to_json(turns: list[Turn], feedback: Mapping[str, Feedback]) -> str:
    """The conversation as JSON: each answer in the `python -m qa --json` shape plus citations, filters and feedback."""
    out = []
    for t in turns:
        d = t.answer.to_json()
        for s, row in zip(t.answer.sentences, d["answer"], strict=True):
            row["citation"] = source_label(t.answer.passages[s.passage])
        for p, row in zip(t.answer.passages, d["passages"], strict=True):
            row.update(citation=source_label(p), url=safe_url(p.url))
        fb = feedback.get(t.id)
        d.update(
            index_version=t.index_version,
            filters={"myth": t.myth, "section": t.section, "k": t.k},
            feedback=fb.verdict if fb else None,
            comment=fb.comment if fb else "",
        )
        if t.claim is not None:
            d["claim"] = {"matched": t.claim.matched, "myth": t.claim.myth, "title": t.claim.title, "author": t.claim.author}
        if t.notice:
            d["notice"] = t.notice
        out.append(d)
    doc = {"exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "turns": out}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def plain_text(t: Turn, link: str = "") -> str:
    """One answer with its citations as plain text, for the clipboard."""
    a, n = t.answer, t.numbers()
    lines = [f"{'Claim' if t.claim is not None else 'Q'}: {' '.join(t.question.split())}"]
    if a.answered:
        before = lead(t)
        said = [f"({LABEL} {' '.join(before.text.split())} [{n[before.passage]}])"] if before else []
        said += [f"{' '.join(s.text.split())} [{n[s.passage]}]" + (f" ({s.attribution()})" if s.attribution() else "") for s in a.sentences]
        lines.append(" ".join(said))
    else:
        lines.append(a.message or "The corpus does not answer this question.")
    lines += ["", "Sources:" if a.answered else "Closest passages:"]
    cited = t.cited() if a.answered else range(len(a.passages))
    for i in cited:
        p = a.passages[i]
        who = ", ".join(x for x in (p.author, f"‘{p.title}’" if p.title else None, p.publisher, p.published) if x)
        lines.append(" — ".join(x for x in (f"[{n[i]}] {source_label(p)}", who, safe_url(p.url) or p.source) if x))
    if t.filters():
        lines.append(f"Filter: {t.filters()}")
    if link:
        lines.append(f"Link: {link}")
    return "\n".join(lines)
