"""The review queue on the evaluation page: each thumbs-down vote with the answer the asker saw; the evaluator picks the
right sentences from its sources (or says the texts do not answer it) and accepts it as a question of the set, or
dismisses it (evaluate.review)."""

from __future__ import annotations

import streamlit as st

from core.errors import BadInput
from evaluate import review
from store.votes import VERDICTS, FeedbackStore, Vote
from ui.text import escape_md

PAGE = 10  # votes opened at once; the rest wait below the fold of the queue
NOT_ANSWERED = "The texts do not answer this: the right answer is a refusal"


def queue(engine, store: FeedbackStore | None) -> None:
    """The waiting votes, newest first, each in a form of its own (ticking a box does not rerun the page)."""
    from evaluate import run

    ss = st.session_state
    path = run.REVIEWED
    if notice := ss.pop("review_notice", None):
        st.success(escape_md(notice))
    waiting = review.waiting(store) if store is not None else []
    st.caption(
        escape_md(f"{len(waiting)} thumbs-down vote(s) wait for review. An accepted one becomes a question of the set in {path.name}:")
        + " `python -m evaluate` scores it, and the next `python -m learn.tune --publish` trains on it (its figures are then"
        " in-sample)."
    )
    votes = _filtered(waiting) if waiting else []
    for vote in votes[:PAGE]:
        label = f"{VERDICTS[vote.verdict]} · {vote.question} · {vote.created_at.replace('T', ' ').rstrip('Z')}"
        with st.expander(escape_md(label), expanded=vote is votes[0]):
            _vote(engine, store, vote, path)
    if len(votes) > PAGE:
        st.caption(f"{len(votes) - PAGE} more wait; review these first.")
    if votes or ss.get("review_bulk"):
        _dismiss_all(store, waiting, votes)


def _filtered(waiting: list[Vote]) -> list[Vote]:
    """The waiting votes the evaluator's filter shows: by text in the question or comment, and by verdict."""
    left, right = st.columns([3, 2])
    text = left.text_input("Show votes whose question or comment holds", key="rv-filter", placeholder="any text")
    verdict = right.selectbox("Verdict", ["", *review.DOWN], format_func=lambda v: VERDICTS.get(v, "Any thumbs-down"), key="rv-verdict")
    votes = review.matching(waiting, text, verdict)
    if text or verdict:
        st.caption(f"{len(votes)} of {len(waiting)} waiting vote(s) match.")
    return votes


def _dismiss_all(store: FeedbackStore, waiting: list[Vote], votes: list[Vote]) -> None:
    """One button dismissing every vote the filter shows (all pages of it), then a confirmation naming how many."""
    ss = st.session_state
    asked = ss.get("review_bulk")
    if asked is None:
        which = "matching" if len(votes) < len(waiting) else "waiting"
        if st.button(f"Dismiss all {len(votes)} {which}…", icon=":material/clear_all:", key="rv-bulk"):
            ss.review_bulk = tuple(v.id for v in votes)  # exactly these: a vote arriving meanwhile is not dismissed unseen
            st.rerun()
        return
    asked = set(asked)
    chosen = [v for v in waiting if v.id in asked]
    st.warning(f"Dismiss {len(chosen)} vote(s)? They leave the queue without becoming questions; the export still lists them.")
    yes, no = st.columns(2)
    if yes.button(f"Yes, dismiss {len(chosen)}", type="primary", key="rv-bulk-yes"):
        done = review.dismiss_all(store, chosen)
        ss.review_bulk, ss.review_notice = None, f"Dismissed {done} vote(s)."
        st.rerun()
    if no.button("Cancel", key="rv-bulk-no"):
        ss.review_bulk = None
        st.rerun()


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
