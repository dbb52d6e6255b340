"""Quality across published versions on the evaluation page: a chart of the figures each version scored on a question set
(evaluate.history), each version labelled with its date and what it was tuned on, and a button that scores the kept
versions not yet scored."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from evaluate import history
from evaluate.labels import UNSEEN, tuned_on, when
from ui.text import escape_md

_STAMP = re.compile(r"^\d{4}(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)")  # version names start with their publishing time
BASIS = {"unseen": "unseen (fair test)", "in-sample": "tuned on them (optimistic)"}


def label(version: str) -> str:
    """A short axis label, "MM-DD hh:mm:ss", from a version name; other names as they are."""
    m = _STAMP.match(version)
    return f"{m[1]}-{m[2]} {m[3]}:{m[4]}:{m[5]}" if m else version


def axis_label(entry: dict, tuning: dict[str, str]) -> str:
    """A point's label: when the version was published, what it was tuned on, and whether the figure is optimistic."""
    said = tuning.get(entry["version"], "")
    optimistic = " · tuned on these questions" if entry.get("basis") == "in-sample" else ""
    return f"{label(entry['version'])} · {said}{optimistic}" if said else label(entry["version"]) + optimistic


def manifests(index_dir, names) -> dict[str, dict | None]:
    """Each kept version's manifest (None when it cannot be read): cheap, no model or vectors."""
    from core import layout

    out = {}
    for name in names:
        try:
            out[name] = layout.read_manifest(Path(index_dir) / layout.VERSIONS / name)
        except (OSError, ValueError):
            out[name] = None
    return out


def table_rows(rows: list[dict], tuning: dict[str, str]) -> list[dict]:
    """The chart's figures as a table, one row per version: its date, what it was tuned on, and the figures' basis."""
    return [
        {"published": when(e["version"]), "tuned on": tuning.get(e["version"], "(no longer kept)"), "questions": BASIS[e["basis"]],
         "answerable": e["answerable"], "top-1": e["top1"], "top-3": e["top3"], "first sentence": e["sentence"],
         "refused": e["refused"], "scored at": e["at"].replace("T", " ").replace("Z", " UTC"), "version": e["version"]}
        for e in rows
    ]  # fmt: skip


def versions(engine, index_dir, sets: list, ids: dict | None = None) -> None:
    """The chart for one question set, its table, and scoring of kept versions that have no figures on it yet.

    Args:
        ids: question set name → its question ids, to say what each version was tuned on.
    """
    from core import layout

    if index_dir is None:
        st.info("No index folder: nothing to chart.")
        return
    names = list(dict.fromkeys([p.name for p in sets] + [e["set"] for e in history.entries(index_dir)]))
    if not names:
        st.info("No question set in eval/.")
        return
    name = st.selectbox("Question set", names, key="hist_set")
    recorded = [e["split"] for e in history.entries(index_dir) if e["set"] == name]
    runs = list(dict.fromkeys([*recorded[-1:], "all", *recorded]))  # the split run last first: its chart, not an empty one
    split = st.selectbox("Questions", runs, key="hist_split", format_func=lambda s: "all of them" if s == "all" else f"split “{s}”")
    rows = history.series(index_dir, name, split)
    kept = layout.kept_versions(index_dir)
    tuning = {v: tuned_on(m, ids) if m is not None else "its manifest cannot be read" for v, m in manifests(index_dir, kept).items()}
    nothing = st.session_state.setdefault("hist_nothing", {}).setdefault(name, set())  # versions with no answerable question
    missing = [v for v in kept if v not in {e["version"] for e in rows} | nothing]
    path = next((p for p in sets if p.name == name), None)
    if (
        split == "all"
        and missing
        and path is not None
        and st.button(f"Score {len(missing)} kept version(s) not yet scored", icon=":material/play_arrow:")
    ):
        nothing.update(_score(engine, index_dir, path, missing))
        st.rerun()  # draw the page from what is recorded now, without this button
    for message in st.session_state.pop("hist_failed", []):
        st.warning(escape_md(message))
    if nothing:
        st.caption(escape_md(f"{name} has no answerable question to score: nothing to chart for {len(nothing)} kept version(s)."))
    if not rows:
        st.info(escape_md(f"No figures on {name} are recorded yet: run it on the first view, or score the kept versions."))
        return
    st.caption(escape_md(f"{UNSEEN} A point marked “tuned on these questions” is optimistic: that version learnt from them."))
    st.altair_chart(chart(rows, tuning), width="stretch")
    st.dataframe(table_rows(rows, tuning), hide_index=True)


def chart(rows: list[dict], tuning: dict[str, str] | None = None):
    """Top-1 and first-sentence accuracy per version, lines with points (one version is one point), 0 to 1; a point's
    shape says whether the version learnt from the questions, its tooltip what it was tuned on."""
    import altair as alt

    values = [
        {"version": label(e["version"]), "tuned on": (tuning or {}).get(e["version"], ""), "figure": name, "share": e[key],
         "questions": BASIS[e.get("basis", "unseen")]}
        for e in rows
        for name, key in (("top-1", "top1"), ("first sentence", "sentence"))
    ]  # fmt: skip
    bottom = alt.Legend(orient="bottom", direction="vertical")  # below the plot: it keeps a phone's width
    return (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("version:N", sort=None, title="published version (point at it: what it was tuned on)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("share:Q", scale=alt.Scale(domain=[0, 1]), title="share of questions"),
            # dashes show both lines when the figures are equal
            color=alt.Color("figure:N", title=None, legend=bottom),
            strokeDash=alt.StrokeDash("figure:N", title=None, legend=bottom),
            shape=alt.Shape("questions:N", title=None, legend=bottom, scale=alt.Scale(domain=list(BASIS.values()))),
            tooltip=["version:N", "tuned on:N", "figure:N", "share:Q", "questions:N"],
        )
    )


def _score(engine, index_dir, path, missing: list[str]) -> set[str]:
    """Evaluate each version in ``missing`` on the set and record it; returns the versions with nothing to score."""
    from evaluate.run import evaluate, load_questions
    from qa.engine import Engine

    questions = load_questions(path)
    bar = st.progress(0.0, text="Scoring…")
    nothing = set()
    for n, version in enumerate(missing):
        bar.progress(n / len(missing), text=f"Scoring the version of {when(version)} ({n + 1} of {len(missing)})")
        try:
            which = engine if version == engine.version else Engine.load(index_dir, version=version)
            if history.record(index_dir, version, [path], evaluate(which, questions)) is None:
                nothing.add(version)
        except Exception as e:  # a damaged or removed version: the others are still scored
            st.session_state.setdefault("hist_failed", []).append(f"The version of {when(version)} could not be scored: {e}")
    bar.empty()
    return nothing
