"""Streamlit sidebar: index status, search options, downloads of the conversation."""

from __future__ import annotations

import functools
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from core.types import ABOUT_SECTION, AUTHOR_SECTION, STANDFIRST_SECTION, TITLE_SECTION
from store.turn import Feedback, Turn
from ui.config import Settings
from ui.resources import CorpusChanges, IndexFacts
from ui.text import escape_md
from ui.transcript import SCORES, to_json, to_markdown

ALL = "*"
PSEUDO_SECTIONS = frozenset({TITLE_SECTION, AUTHOR_SECTION, STANDFIRST_SECTION, ABOUT_SECTION})  # parsed page parts, not headings
COUNTS = (("myths", "myth"), ("documents", "document"), ("chunks", "passage"))


@dataclass(frozen=True)
class Options:
    """What the sidebar asks of the next question."""

    k: int
    myth: int | None
    section: str | None
    show_scores: bool


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _built(stamp: str) -> str:
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp


def ingest_command(settings: Settings) -> str:
    """The command that brings this app's index up to date with its corpus."""
    args = ["python -m ingest"]
    if settings.corpus != Path("corpus"):
        args.append(f"--corpus {shlex.quote(str(settings.corpus))}")
    if settings.index != Path("index"):
        args.append(f"--index {shlex.quote(str(settings.index))}")
    return " ".join(args)


def index_status(index: IndexFacts, changes: CorpusChanges, settings: Settings) -> None:
    """Sidebar block: what the published index holds, and whether the corpus moved on since."""
    m = index.manifest
    c = m.get("counts", {})
    models = [str((e.get("spec") or {}).get("id", key)).split("/")[-1] for key, e in (m.get("models") or {}).items() if isinstance(e, dict)]
    built = _built(m.get("built_at", "?"))
    st.markdown("**Index**")
    st.caption(
        escape_md(" · ".join(_plural(c.get(key, 0), word) for key, word in COUNTS))
        + "  \n"
        + escape_md(("Models " if len(models) > 1 else "Model ") + (", ".join(models) or "?"))
        + "  \n"
        + escape_md(f"Built {built}")
    )
    if changes and settings.operator:  # server paths and commands are for the operator, never for visitors
        st.warning(
            escape_md(f"Files in {settings.corpus}/ changed since this index was built ({changes.summary()}).")
            + " Re-run ingestion to include them:",
            icon=":material/sync_problem:",
        )
        st.code(ingest_command(settings), language="bash")
    elif changes:
        st.caption("The texts changed since this index was built; answers come from the index until it is rebuilt.")


def filter_sections(sections: tuple[str, ...]) -> list[str]:
    """The sections a reader can filter by: the texts' own headings, without the parts parsed from the page header."""
    return [s for s in sections if s not in PSEUDO_SECTIONS]


def controls(index: IndexFacts) -> Options:
    """Sidebar widgets: number of sources, filters, score toggle (values live in session state, so links can set them)."""
    st.markdown("**Search**")
    ss = st.session_state
    for key, default in (("k", 5), ("myth", ALL), ("section", ALL)):
        ss.setdefault(key, default)
    k = st.slider("Sources to show", 1, 10, key="k")
    # A sentinel, not None: a None option would show as "nothing selected" with a clear button.
    titles = {ALL: "All myths", **{n: f"Myth {n}: {t}" for n, t in index.myths}}
    if ss.myth not in titles:  # a myth that left the index since it was chosen
        ss.myth = ALL
    myth = st.selectbox("Myth", list(titles), format_func=titles.get, key="myth")
    sections = [ALL, *filter_sections(index.sections)]
    if ss.section not in sections:
        ss.section = ALL
    section = st.selectbox("Section", sections, format_func=lambda s: "All sections" if s == ALL else s, key="section")
    show_scores = st.toggle("Show scores and timing", key="show_scores", help=SCORES)
    return Options(k=k, myth=None if myth == ALL else myth, section=None if section == ALL else section, show_scores=show_scores)


def downloads(turns: list[Turn], feedback: Mapping[str, Feedback]) -> None:
    """Sidebar: download the conversation shown as Markdown or JSON (built on click, not on every run)."""
    st.markdown("**Conversation**")
    kinds = (("Markdown", to_markdown, "md", "text/markdown"), ("JSON", to_json, "json", "application/json"))
    for col, (label, build, ext, mime) in zip(st.columns(2), kinds, strict=True):
        col.download_button(
            label,
            functools.partial(build, list(turns), dict(feedback)),
            file_name=f"myth-qa-conversation.{ext}",
            mime=mime,
            on_click="ignore",
            disabled=not turns,
            icon=":material/download:",
            width="stretch",
        )
