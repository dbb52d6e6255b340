"""The review queue on the evaluation page: each thumbs-down vote with the answer the asker saw; the evaluator picks the
right sentences from its sources (or says the texts do not answer it) and accepts it as a question of the set, or
dismisses it (qa.review)."""

from __future__ import annotations

import streamlit as st

from core.errors import BadInput
from qa import review
from qa.feedback import VERDICTS, FeedbackStore, Vote
from ui.text import escape_md

PAGE = 10  # votes opened at once; the rest wait below the fold of the queue
NOT_ANSWERED = "The texts do not answer this: the right answer is a refusal"


def queue(engine, store: FeedbackStore | None) -> None:
    """The waiting votes, newest first, each in a form of its own (ticking a box does not rerun the page)."""
    from qa.evaluate import run

    ss = st.session_state
    path = run.REVIEWED
    if notice := ss.pop("review_notice", None):
        st.success(escape_md(notice))
    votes = review.waiting(store) if store is not None else []
    st.caption(
        escape_md(f"{len(votes)} thumbs-down vote(s) wait for review. An accepted one becomes a question of the set in {path.name}:")
        + " `python -m qa.evaluate` scores it, and the next `python -m qa.tune --publish` trains on it (its figures are then"
        " in-sample)."
    )
    for vote in votes[:PAGE]:
        label = f"{VERDICTS[vote.verdict]} · {vote.question} · {vote.created_at.replace('T', ' ').rstrip('Z')}"
        with st.expander(escape_md(label), expanded=vote is votes[0]):
            _vote(engine, store, vote, path)
    if len(votes) > PAGE:
        st.caption(f"{len(votes) - PAGE} more wait; review these first.")


def _vote(engine, store: FeedbackStore, vote: Vote, path) -> None:
    if vote.understood_as:
        st.caption(escape_md(f"Understood as: {vote.understood_as}"))
    if vote.comment:
        st.markdown(escape_md(f"Comment: “{vote.comment}”"))
    st.markdown("**Answer shown**")
    for s in vote.sentences or ("(none: the question was refused)",):
        st.markdown("> " + escape_md(" ".join(s.split())))  # one line: a sentence may span the text's line breaks
    st.caption(escape_md(f"Voted {vote.created_at} on index {vote.index_version}"))
    with st.form(f"review-{vote.id}", border=False):
        st.markdown("**Right sentence(s), from the sources shown**")
        st.caption("Sentences the answer gave are marked ▸.")
        picked, shown, answered = [], set(), {" ".join(s.split()) for s in vote.sentences}
        for n, src in enumerate(review.sources(engine, vote)):
            note = " (gone from this index)" if not src.sentences else " (changed since the vote)" if src.changed else ""
            st.caption(escape_md(f"{n + 1}. {src.citation}{note}"))
            for i, sentence in enumerate(src.sentences):
                flat = " ".join(sentence.split())
                if flat in shown:  # a sentence two sources share is offered once
                    continue
                shown.add(flat)
                if st.checkbox(("▸ " if flat in answered else "") + escape_md(flat), key=f"rv-{vote.id}-{n}-{i}"):
                    picked.append(sentence)
        unanswered = st.checkbox(NOT_ANSWERED, key=f"rv-{vote.id}-none")
        left, right = st.columns(2)
        accept = left.form_submit_button("Accept as a question", icon=":material/playlist_add:", type="primary")
        dismiss = right.form_submit_button("Dismiss", icon=":material/close:")
    if accept:
        _accept(store, vote, picked, unanswered, path)
    elif dismiss:
        done = review.dismiss(store, vote)
        ss = st.session_state
        ss.review_notice = "Dismissed." if done else "Someone else reviewed this vote first."
        st.rerun()


def _accept(store: FeedbackStore, vote: Vote, picked: list[str], unanswered: bool, path) -> None:
    try:
        row = review.accept(store, vote, picked, unanswered, path)
    except BadInput as e:
        st.warning(escape_md(str(e)))
        return
    except OSError as e:
        st.error(escape_md(f"Could not write {path.name} ({e.strerror}); the vote stays in the queue."))
        return
    st.session_state.review_notice = (
        f"Added {row['id']} to {path.name}." if row else "Someone else reviewed this vote first: it was not added twice."
    )
    st.rerun()
