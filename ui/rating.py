"""Compact, changeable feedback under an answer: thumbs, "right passage is in the sources", an optional comment."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from store.background import Outcome
from store.conversations import ConversationStore
from store.turn import Feedback, Turn
from store.votes import VERDICTS, FeedbackStore

UP, DOWN = 1, 0  # st.feedback("thumbs") values
_THUMBS = {"right": UP, "right_passage": DOWN, "wrong": DOWN}
PASSAGE_LABEL = "Right passage is in the sources"
COMMENT_LABEL = "Comment (optional; Enter saves it)"


def keys(turn: Turn) -> tuple[str, str, str]:
    """Widget keys of one turn's thumbs, passage checkbox and comment (turn ids are unique across conversations)."""
    return f"fb-{turn.id}", f"fb-passage-{turn.id}", f"fb-comment-{turn.id}"


def verdict(thumbs: int | None, right_passage: bool) -> str | None:
    """The stored verdict for what the reader chose: up is right; down is wrong, or right_passage when ticked."""
    if thumbs is None:
        return None
    return "right" if thumbs == UP else "right_passage" if right_passage else "wrong"


def read(turn: Turn, state, old: Feedback) -> Feedback:
    """The feedback the widgets hold now (``state``: st.session_state), falling back to ``old`` for unseen widgets."""
    thumb_key, passage_key, comment_key = keys(turn)
    thumbs = state[thumb_key] if thumb_key in state else _THUMBS.get(old.verdict)
    passage = state[passage_key] if passage_key in state else old.verdict == "right_passage"
    comment = str(state[comment_key] if comment_key in state else old.comment).strip()
    return Feedback(verdict(thumbs, bool(passage)), comment)


def record(store: FeedbackStore, turn: Turn, old: Feedback, new: Feedback) -> Outcome | None:
    """Send a new or changed vote to the feedback store, which keeps one vote per answer (a change replaces it), without
    holding up the page; None when there is nothing to send.

    A cleared vote is only remembered with the conversation: the store has no way to withdraw one.
    """
    if new.verdict is not None and (new.verdict, new.comment) != (old.verdict, old.comment):
        return store.send(turn.id, turn.answer, new.verdict, new.comment, turn.index_version, turn.models, turn.profile)
    return None


def save(votes: FeedbackStore, conversations: ConversationStore | None, turn: Turn, old: Feedback, new: Feedback, owner: str | None) -> str:
    """Send the vote to the feedback store and keep it with the conversation (``conversations``: None when the turn is
    in none yet); the notice for the reader, which tells each store's outcome as it is."""
    sent = record(votes, turn, old, new)
    kept = conversations.set_feedback(turn.id, new, owner) if conversations is not None else None
    return notice(new, sent, kept)


def notice(new: Feedback, sent: Outcome | None, kept: Outcome | None) -> str:
    """What the reader is told of a vote sent to the feedback store (``sent``) and kept with the conversation (``kept``)."""
    copy = "" if kept is None or kept.saved else " " + kept.says("Its copy with this conversation")
    if new.verdict is None:
        if not new.comment:
            return copy.strip()
        if kept is not None and not kept.saved:
            return kept.says("Your comment")
        return "Comment kept with the conversation; give a thumbs up or down to send it with your vote."
    label = VERDICTS[new.verdict]
    if sent is None or sent.saved:
        return f"Thank you: feedback saved ({label}).{copy}"
    return sent.says(f"Your vote ({label})") + copy


def control(turn: Turn, fb: Feedback, on_change: Callable[[Turn], None]) -> None:
    """Thumbs up/down (changeable), the passage tick after a thumbs down, and a one-line comment in a popover."""
    thumb_key, passage_key, comment_key = keys(turn)
    thumbs = st.feedback("thumbs", key=thumb_key, default=_THUMBS.get(fb.verdict), on_change=on_change, args=(turn,))
    if thumbs == DOWN:
        st.checkbox(PASSAGE_LABEL, value=fb.verdict == "right_passage", key=passage_key, on_change=on_change, args=(turn,))
    with st.popover("Edit comment" if fb.comment else "Comment", icon=":material/edit_note:", type="tertiary"):
        # One line, saved on Enter or when the box loses focus: the popover stays small enough to open above the chat input.
        st.text_input(COMMENT_LABEL, value=fb.comment, key=comment_key, max_chars=2000, on_change=on_change, args=(turn,))
