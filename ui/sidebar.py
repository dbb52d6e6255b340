"""Streamlit sidebar: index status, search options, conversation tools."""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from ui.config import Settings
from ui.resources import CorpusChanges, IndexFacts
from ui.text import escape_md
from ui.transcript import Turn, to_json, to_markdown

ALL = "*"
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
    if changes:
        st.warning(
            escape_md(f"Files in {settings.corpus}/ changed since this index was built ({changes.summary()}).")
            + " Re-run ingestion to include them:",
            icon=":material/sync_problem:",
        )
        st.code(ingest_command(settings), language="bash")


def controls(index: IndexFacts) -> Options:
    """Sidebar widgets: number of sources, filters, score toggle."""
    st.markdown("**Search**")
    k = st.slider("Sources to show", 1, 10, 5, key="k")
    # A sentinel, not None: a None option would show as "nothing selected" with a clear button.
    titles = {ALL: "All myths", **{n: f"Myth {n}: {t}" for n, t in index.myths}}
    myth = st.selectbox("Myth", list(titles), format_func=titles.get, key="myth")
    section = st.selectbox("Section", [ALL, *index.sections], format_func=lambda s: "All sections" if s == ALL else s, key="section")
    show_scores = st.toggle("Show scores and timing", key="show_scores")
    return Options(k=k, myth=None if myth == ALL else myth, section=None if section == ALL else section, show_scores=show_scores)


def conversation_tools(turns: list[Turn], votes: dict[str, str], on_clear: Callable[[], None]) -> None:
    """Sidebar: clear the conversation, download it as Markdown or JSON."""
    st.markdown("**Conversation**")
    st.button("Clear conversation", on_click=on_clear, disabled=not turns, icon=":material/delete:", width="stretch")
    cols = st.columns(2)
    cols[0].download_button(
        "Markdown",
        functools.partial(to_markdown, list(turns), dict(votes)),  # built on click, not on every run
        file_name="myth-qa-conversation.md",
        mime="text/markdown",
        on_click="ignore",
        disabled=not turns,
        icon=":material/download:",
        width="stretch",
    )
    cols[1].download_button(
        "JSON",
        functools.partial(to_json, list(turns), dict(votes)),
        file_name="myth-qa-conversation.json",
        mime="application/json",
        on_click="ignore",
        disabled=not turns,
        icon=":material/download:",
        width="stretch",
    )
