"""The evaluation page (the operator's only): run a question set or one split against the published index, and see the
figures by split and by kind, in-sample and unseen apart, with every failure opened up."""

from __future__ import annotations

import streamlit as st

from qa.evaluate.run import ROOT, Report, evaluate, load_questions, splits_of
from qa.tune.__main__ import SEALED
from ui.text import escape_md

NOT_SETS = ("claims.jsonl", "scorings.jsonl")  # JSON-lines files in eval/ that are not question sets


def question_sets() -> list:
    """The question files of eval/; a sealed split's file is left out (`python -m qa.evaluate.once` scores it)."""
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


VIEWS = ("Run a set", "Across versions", "Review votes")


def page(engine, index_dir=None, store=None) -> None:
    """The operator's evaluation page over ``engine`` (the published index in ``index_dir``): run a set and compare a
    kept version with it, chart quality across versions, review askers' votes (``store``: the feedback store)."""
    st.subheader("Evaluation", anchor=False)
    view = st.segmented_control("View", VIEWS, default=VIEWS[0], key="eval_view", label_visibility="collapsed")
    if view == VIEWS[1]:
        from ui import quality

        quality.versions(engine, index_dir, question_sets())
    elif view == VIEWS[2]:
        from ui import review

        review.queue(engine, store)
    else:
        run_set(engine, index_dir)


def run_set(engine, index_dir=None) -> None:
    """Run a question set or one split; a whole set's unseen figures are kept for the chart across versions."""
    from qa.evaluate.__main__ import sample_note

    ss = st.session_state
    sets = question_sets()
    if not sets:
        st.info("No question set in eval/.")
        return
    path = st.selectbox("Question set", sets, format_func=lambda p: p.name, key="eval_set")
    questions = load_questions(path)
    splits = splits_of(questions)
    split = st.selectbox("Split", splits, index=len(splits) - 1, key="eval_split")  # "all" first
    chosen = [q for q in questions if split == "all" or q.split == split]
    st.caption(escape_md(f"{len(chosen)} questions against index {engine.version}. " + sample_note(engine, chosen)))
    st.caption("A run stops if you switch view or leave the page before it ends.")
    if st.button("Run", icon=":material/play_arrow:", type="primary"):
        bar = st.progress(0.0, text="Asking…")
        reports = evaluate(engine, chosen, by_kind=True, on_progress=lambda d, n: bar.progress(d / n, text=f"Asked {d} of {n}"))
        bar.empty()
        kept = _keep(index_dir, engine.version, path, reports) if index_dir is not None and split == "all" else ""
        ss.eval_result = (engine.version, path.name, split, reports, kept)
    result = ss.get("eval_result")
    if result and result[:3] == (engine.version, path.name, split):  # never an earlier run's figures under this choice
        show(*result[:4])
        if result[4]:
            st.caption(escape_md(result[4]))
        if index_dir is not None:
            compare(engine, index_dir, chosen)


def _keep(index_dir, version: str, path, reports) -> str:
    """Keep a whole set's unseen figures for the chart across versions; say so when there is nothing to keep."""
    from qa.evaluate import history

    try:
        if history.record(index_dir, version, [path], reports) is None:
            return "Not kept for the chart across versions: no answerable question of this set is unseen by this index."
    except OSError as e:
        return f"The figures were not kept for the chart across versions ({e.strerror})."
    return "Unseen figures kept for the chart across versions."


def compare(engine, index_dir, questions) -> None:
    """Evaluate a kept earlier version on the same questions: figures side by side, what was fixed, what broke."""
    from core import layout
    from qa.engine import Engine
    from qa.evaluate.compare import changes, side_by_side

    ss = st.session_state
    earlier = [v for v in layout.kept_versions(index_dir) if v != engine.version]
    if not earlier:
        st.caption("No earlier version is kept to compare with.")
        return
    st.markdown("**Compare with an earlier version**")
    other = st.selectbox("Earlier version", earlier[::-1], key="eval_other")
    version, name, split, after = ss.eval_result[:4]
    if st.button("Compare", icon=":material/compare_arrows:"):
        bar = st.progress(0.0, text="Asking the earlier version…")
        old = Engine.load(index_dir, version=other)
        before = evaluate(old, questions, on_progress=lambda d, n: bar.progress(d / n, text=f"Asked {d} of {n}"))
        bar.empty()
        ss.eval_compare = (other, (version, name, split), before)
    done = ss.get("eval_compare")
    if done and done[:2] == (other, (version, name, split)):
        before = done[2]
        st.caption(escape_md(f"{other} → {version}"))
        st.dataframe(side_by_side(before, after), hide_index=True)
        fixed, broke = changes(before, after)
        st.markdown(escape_md(f"Fixed ({len(fixed)}): {', '.join(fixed) or 'none'}"))
        st.markdown(escape_md(f"Broke ({len(broke)}): {', '.join(broke) or 'none'}"))
        asked = {q.id: q.question for q in questions}
        if fixed or broke:
            with st.expander("The questions fixed and broken"):
                for word, ids in (("fixed", fixed), ("broke", broke)):
                    for i in ids:
                        st.markdown(escape_md(f"{word}: {i} · {asked.get(i, '')}"))


def _row(r: Report) -> dict:
    return {
        "split": r.split, "answerable": r.n_answerable, "top-1": round(r.top1, 3), "top-3": round(r.top3, 3),
        "first sentence": round(r.sentence, 3), "refused": r.refused,
        "unanswerable refused": f"{r.abstained_out_of_scope}/{r.n_out_of_scope}", "p95 ms": round(r.latency_p95_ms, 1),
    }  # fmt: skip


def show(version: str, name: str, split: str, reports: list[Report]) -> None:
    """The figures of one run, then every failure of the whole run, each opened up."""
    st.markdown(f"**{escape_md(f'{name}, {split}')}**, on index {escape_md(version)}")
    st.dataframe([_row(r) for r in reports if not r.split.startswith("kind:")], hide_index=True)
    st.caption("By kind of question:")
    st.dataframe([_row(r) for r in reports if r.split.startswith("kind:")], hide_index=True)
    whole = next(r for r in reports if r.split == "all")
    st.markdown(f"**Failures: {len(whole.failures)}**")
    for f in whole.failures:
        with st.expander(escape_md(f"{f['id']} · {f['question']}")):
            st.markdown(escape_md(f"Why: {f['why']}"))
            st.markdown(escape_md("Expected: " + (" | ".join(f["gold"]) or "(out of scope: a refusal)")))
            st.markdown(escape_md(f"First sentence given: {f['sentence'] or '(none: refused)'}"))
            st.caption(escape_md(f"Top passage [{f['top_section']}]: {f['top_passage']}"))
