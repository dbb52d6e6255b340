"""The evaluation page (the operator's only): run a question set or one split against the published index, and see the
figures by split and by kind, the questions the version was tuned on apart from the unseen ones, every failure opened up."""

from __future__ import annotations

import streamlit as st

from evaluate.labels import UNSEEN, sample_note, split_labels, tables, version_label
from evaluate.run import ROOT, SEALED, Report, default_sets, evaluate, load_questions, splits_of, trained_on
from ui.text import escape_md

NOT_SETS = ("claims.jsonl", "scorings.jsonl")  # JSON-lines files in eval/ that are not question sets


def question_sets() -> list:
    """The question files of eval/; a sealed split's file is left out (`python -m evaluate.once` scores it)."""
    try:  # with PostgreSQL this writes the reviewed table to eval/reviewed.jsonl: every host's accepted questions, now
        default_sets()
    except Exception as e:  # noqa: BLE001 - the files already there are offered all the same
        st.caption(escape_md(f"The reviewed questions could not be read from the database: {' '.join(str(e).split())}"))
    out = []
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        if path.name in NOT_SETS:
            continue
        try:
            if not {q.split for q in load_questions(path)} & set(SEALED):
                out.append(path)
        except Exception:  # an unreadable set is not offered
            continue
    return out


def set_ids(sets: list) -> dict[str, set[str]]:
    """Question set name → its question ids, to say what a version was tuned on ("299 of questions.jsonl")."""
    out = {}
    for path in sets:
        try:
            out[path.name] = {q.id for q in load_questions(path)}
        except Exception:  # an unreadable set is named nowhere
            continue
    return out


VIEWS = ("Run a set", "Across versions", "Review votes")


def page(engine, index_dir=None, store=None) -> None:
    """The operator's evaluation page over ``engine`` (the published index in ``index_dir``): run a set and compare a
    kept version with it, chart quality across versions, review askers' votes (``store``: the feedback store)."""
    st.subheader("Evaluation", anchor=False)
    view = st.segmented_control("View", VIEWS, default=VIEWS[0], key="eval_view", label_visibility="collapsed")
    if view == VIEWS[1]:
        from ui import quality

        sets = question_sets()
        quality.versions(engine, index_dir, sets, set_ids(sets))
    elif view == VIEWS[2]:
        from ui import review

        review.queue(engine, store)
    else:
        run_set(engine, index_dir)


def run_set(engine, index_dir=None) -> None:
    """Run a question set or one split; every run's figures are kept for the chart across versions."""
    ss = st.session_state
    sets = question_sets()
    if not sets:
        st.info("No question set in eval/.")
        return
    path = st.selectbox("Question set", sets, format_func=lambda p: p.name, key="eval_set")
    questions = load_questions(path)
    trained = trained_on(engine)
    labels = split_labels(questions, trained)
    splits = splits_of(questions)
    split = st.selectbox("Questions", splits, index=len(splits) - 1, key="eval_split", format_func=labels.get)  # "all" first
    chosen = [q for q in questions if split == "all" or q.split == split]
    this = version_label(engine.version, engine.index.manifest, set_ids(sets))
    st.caption(escape_md(f"{len(chosen)} questions, asked of the published version ({this}). {sample_note(trained, chosen)}"))
    st.caption(escape_md(f"{UNSEEN} A run stops if you switch view or leave the page before it ends."))
    if st.button("Run", icon=":material/play_arrow:", type="primary"):
        bar = st.progress(0.0, text="Asking…")
        reports = evaluate(engine, chosen, by_kind=True, on_progress=lambda d, n: bar.progress(d / n, text=f"Asked {d} of {n}"))
        bar.empty()
        kept = _keep(index_dir, engine.version, path, reports, split) if index_dir is not None else ""
        ss.eval_result = (engine.version, path.name, split, reports, kept)
    result = ss.get("eval_result")
    if result and result[:3] == (engine.version, path.name, split):  # never an earlier run's figures under this choice
        show(this, path.name, labels, result[3])
        if result[4]:
            st.caption(escape_md(result[4]))
        if index_dir is not None:
            compare(engine, index_dir, chosen, path, labels)


def _keep(index_dir, version: str, path, reports, split: str) -> str:
    """Keep the run's figures for the chart across versions; say how they are kept, or why not."""
    from evaluate import history

    try:
        entry = history.record(index_dir, version, [path], reports, split)
    except OSError as e:
        return f"The figures were not kept for the chart across versions ({e.strerror})."
    if entry is None:
        return "Not kept for the chart across versions: no question here has an answer to score."
    if entry["basis"] == "in-sample":
        return "Kept for the chart across versions, marked as tuned on these questions (optimistic)."
    return "The figures on the unseen questions are kept for the chart across versions."


def compare(engine, index_dir, questions, path, labels=None) -> None:
    """Evaluate a kept earlier version on the same questions (kept for the chart too): figures side by side, what was
    fixed, what broke."""
    from core import layout
    from evaluate.compare import changes, side_by_side
    from qa.engine import Engine
    from ui.quality import manifests

    ss = st.session_state
    earlier = [v for v in layout.kept_versions(index_dir) if v != engine.version]
    if not earlier:
        st.caption("No earlier version is kept to compare with.")
        return
    st.markdown("**Compare with an earlier version**")
    ids = set_ids(question_sets())
    names = {v: version_label(v, m, ids) for v, m in manifests(index_dir, earlier).items()}
    other = st.selectbox("Earlier version", earlier[::-1], key="eval_other", format_func=names.get)
    version, name, split, after = ss.eval_result[:4]
    if st.button("Compare", icon=":material/compare_arrows:"):
        bar = st.progress(0.0, text="Asking the earlier version…")
        old = Engine.load(index_dir, version=other)
        before = evaluate(old, questions, on_progress=lambda d, n: bar.progress(d / n, text=f"Asked {d} of {n}"))
        bar.empty()
        _keep(index_dir, other, path, before, split)
        ss.eval_compare = (other, (version, name, split), before)
    done = ss.get("eval_compare")
    if done and done[:2] == (other, (version, name, split)):
        before = done[2]
        st.caption(escape_md(f"{names[other]} → this version ({other} → {version})"))
        st.dataframe(side_by_side(before, after, labels), hide_index=True)
        fixed, broke = changes(before, after)
        st.markdown(escape_md(f"Fixed ({len(fixed)}): {', '.join(fixed) or 'none'}"))
        st.markdown(escape_md(f"Broke ({len(broke)}): {', '.join(broke) or 'none'}"))
        asked = {q.id: q.question for q in questions}
        if fixed or broke:
            with st.expander("The questions fixed and broken"):
                for word, ids_ in (("fixed", fixed), ("broke", broke)):
                    for i in ids_:
                        st.markdown(escape_md(f"{word}: {i} · {asked.get(i, '')}"))


def show(version: str, name: str, labels: dict[str, str], reports: list[Report]) -> None:
    """The figures of one run (by split, then by kind), then every failure of the whole run, each opened up; a failed
    follow-up is shown after the turn it followed."""
    st.markdown(f"**{escape_md(name)}**, asked of the published version ({escape_md(version)})")
    by_split, by_kind = tables(reports, labels)
    st.dataframe(by_split, hide_index=True)
    st.caption("By kind of question (an unanswerable question is right when it is refused):")
    st.dataframe(by_kind, hide_index=True)
    whole = next(r for r in reports if r.split == "all")
    st.markdown(f"**Failures: {len(whole.failures)}**")
    for f in whole.failures:
        with st.expander(escape_md(f"{f['id']} · {f['question']}")):
            for turn in f.get("previous", ()):
                st.markdown(escape_md(f"Asked after: “{turn['question']}”, answered “{turn['answer'] or '(refused)'}”"))
            st.markdown(escape_md(f"Why: {f['why']}"))
            st.markdown(escape_md("Expected: " + (" | ".join(f["gold"]) or "(unanswerable: a refusal)")))
            st.markdown(escape_md(f"First sentence given: {f['sentence'] or '(none: refused)'}"))
            st.caption(escape_md(f"Top passage [{f['top_section']}]: {f['top_passage']}"))
