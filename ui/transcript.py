"""The conversation as values (Turn) and as downloadable Markdown and JSON, with every citation."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from qa.feedback import VERDICTS
from qa.types import Answer, Passage


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as shown in the chat."""

    id: str
    answer: Answer
    index_version: str
    ms: float  # server time to answer
    myth: int | None = None
    section: str | None = None
    models: tuple[str, ...] = ()  # model keys that answered (recorded with a vote)
    profile: str = ""  # settings profile name that answered

    @property
    def question(self) -> str:
        return self.answer.question

    def cited(self) -> list[int]:
        """Indexes of the passages the answer sentences come from, in first-cited order."""
        return list(dict.fromkeys(s.passage for s in self.answer.sentences))


def source_label(p: Passage) -> str:
    """The expander title: the citation, plus the source file for PDFs (whose citation carries the page)."""
    return f"{p.citation()} · {p.source}" if p.page is not None else p.citation()


def to_json(turns: list[Turn], votes: dict[str, str]) -> str:
    """The conversation as JSON: each answer in the `python -m qa --json` shape plus citations and feedback."""
    out = []
    for t in turns:
        d = t.answer.to_json()
        for s, row in zip(t.answer.sentences, d["answer"], strict=True):
            row["citation"] = source_label(t.answer.passages[s.passage])
        for p, row in zip(t.answer.passages, d["passages"], strict=True):
            row["citation"] = source_label(p)
        d.update(index_version=t.index_version, filters={"myth": t.myth, "section": t.section}, feedback=votes.get(t.id))
        out.append(d)
    doc = {"exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "turns": out}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def to_markdown(turns: list[Turn], votes: dict[str, str]) -> str:
    """The conversation as a Markdown document: question, quoted answer with [n] markers, numbered sources."""
    lines = ["# Myth Q&A conversation", "", f"Exported {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    for n, t in enumerate(turns, 1):
        a = t.answer
        lines += [f"## {n}. {' '.join(t.question.split())}", ""]
        if a.answered:
            lines += [f"> {' '.join(s.text.split())} [{s.passage + 1}]\n>" for s in a.sentences]
            lines[-1] = lines[-1].removesuffix("\n>")
        else:
            lines.append(f"*{a.message or 'The corpus does not answer this question.'}*")
        if a.answered and a.message:
            lines += ["", f"*{a.message}*"]
        lines += ["", "Sources:" if a.answered else "Closest passages:", ""]
        cited = set(t.cited())
        for i, p in enumerate(a.passages):
            lines.append(f"{i + 1}. {p.citation()} — {p.source} (score {p.score:.3f})")
            if i in cited:
                lines.append(f"   > {' '.join(p.text.split())}")
        if t.id in votes:
            lines += ["", f"Feedback: {VERDICTS[votes[t.id]]}."]
        lines += ["", f"Index version {t.index_version}.", ""]
    return "\n".join(lines)
