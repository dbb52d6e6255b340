"""Quality across published versions on the evaluation page: a chart of the unseen figures each version scored on a
question set (qa.evaluate.history), and a button that scores the kept versions not yet scored."""

from __future__ import annotations

import re

import streamlit as st

from qa.evaluate import history
from ui.text import escape_md

_STAMP = re.compile(r"^\d{4}(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)")  # version names start with their publishing time


def label(version: str) -> str:
    """A short axis label, "MM-DD hh:mm:ss", from a version name; other names as they are."""
    m = _STAMP.match(version)
    return f"{m[1]}-{m[2]} {m[3]}:{m[4]}:{m[5]}" if m else version


def versions(engine, index_dir, sets: list) -> None:
    """The chart for one question set, its table, and scoring of kept versions that have no figures on it yet."""
    from core import layout

    if index_dir is None:
        st.info("No index folder: nothing to chart.")
        return
    names = list(dict.fromkeys([p.name for p in sets] + [e["set"] for e in history.entries(index_dir)]))
    if not names:
        st.info("No question set in eval/.")
        return
    name = st.selectbox("Question set", names, key="hist_set")
    rows = history.series(index_dir, name)
    nothing = st.session_state.setdefault("hist_nothing", {}).setdefault(name, set())  # versions with no unseen question
    missing = [v for v in layout.kept_versions(index_dir) if v not in {e["version"] for e in rows} | nothing]
    path = next((p for p in sets if p.name == name), None)
    if missing and path is not None and st.button(f"Score {len(missing)} kept version(s) not yet scored", icon=":material/play_arrow:"):
        nothing.update(_score(engine, index_dir, path, missing))
        st.rerun()  # draw the page from what is recorded now, without this button
    for message in st.session_state.pop("hist_failed", []):
        st.warning(escape_md(message))
    if nothing:
        st.caption(escape_md(f"No answerable question of {name} is unseen by {len(nothing)} kept version(s): their encoder or "
                             "answer model learnt from all of them, so they have no point on this chart."))  # fmt: skip
    if not rows:
        st.info(escape_md(f"No unseen figures on the whole of {name} are recorded yet: run it, or score the kept versions. "
                          "Sets that make index tunes on have none: chart a set kept out of tuning."))  # fmt: skip
        return
    st.caption("Unseen questions only: a version is never credited with questions its encoder or answer model learnt from.")
    st.altair_chart(chart(rows), width="stretch")
    table = [
        {"version": e["version"], "unseen": e["unseen_answerable"], "top-1": e["top1"], "top-3": e["top3"],
         "first sentence": e["sentence"], "refused": e["refused"], "scored at": e["at"]}
        for e in rows
    ]  # fmt: skip
    st.dataframe(table, hide_index=True)


def chart(rows: list[dict]):
    """Top-1 and first-sentence accuracy per version, lines with points (one version is one point), 0 to 1."""
    import altair as alt

    values = [
        {"version": label(e["version"]), "figure": name, "share": e[key]}
        for e in rows
        for name, key in (("top-1", "top1"), ("first sentence", "sentence"))
    ]
    return (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("version:N", sort=None, title="published version"),
            y=alt.Y("share:Q", scale=alt.Scale(domain=[0, 1]), title="share of unseen questions"),
            # the legend below keeps the plot a phone's width; dashes show both lines when the figures are equal
            color=alt.Color("figure:N", title=None, legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("figure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["version:N", "figure:N", "share:Q"],
        )
    )


def _score(engine, index_dir, path, missing: list[str]) -> set[str]:
    """Evaluate each version in ``missing`` on the set and record it; returns the versions with nothing unseen."""
    from qa.engine import Engine
    from qa.evaluate.run import evaluate, load_questions

    questions = load_questions(path)
    bar = st.progress(0.0, text="Scoring…")
    nothing = set()
    for n, version in enumerate(missing):
        bar.progress(n / len(missing), text=f"Scoring {version} ({n + 1} of {len(missing)})")
        try:
            which = engine if version == engine.version else Engine.load(index_dir, version=version)
            if history.record(index_dir, version, [path], evaluate(which, questions)) is None:
                nothing.add(version)
        except Exception as e:  # a damaged or removed version: the others are still scored
            st.session_state.setdefault("hist_failed", []).append(f"Version {version} could not be scored: {e}")
    bar.empty()
    return nothing
