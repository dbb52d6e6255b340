"""What the app does on a question, a vote or an example click: answer, store, and tell the reader briefly."""

from __future__ import annotations

import importlib.util
import logging
import time
import uuid

import streamlit as st

from qa.feedback import VERDICTS, FeedbackStore
from qa.followup import Turn as FollowUp
from ui import config, links, rating, session, sidebar
from ui.conversations import ConversationStore, NotYours
from ui.text import shorten
from ui.turn import Feedback, Turn, from_claim_result

log = logging.getLogger("mythqa.app")
OOPS = "Sorry, something went wrong while {}. The details are in the server log; please try again."


def ask_example(text: str, claim: bool) -> None:
    """Welcome-screen callback: answer the clicked example on this run."""
    st.session_state.pending = session.Pending(text, claim)


def feedback(turn: Turn) -> None:
    """Callback of the feedback controls: store the vote as it now stands, with the conversation and for evaluators."""
    ss, settings = st.session_state, config.from_env()
    old = ss.feedback.get(turn.id, Feedback())
    new = rating.read(turn, ss, old)
    try:
        rating.record(FeedbackStore(settings.feedback_db), turn, old, new)
        if ss.conv is not None:
            ConversationStore(settings.conversations_db).set_feedback(turn.id, new, ss.owner)
    except Exception:
        log.exception("storing feedback failed")
        ss.notice = OOPS.format("storing your feedback")
        return
    ss.feedback[turn.id] = new
    if new.verdict:
        ss.notice = f"Thank you: feedback saved ({VERDICTS[new.verdict]})."
    elif new.comment:
        ss.notice = "Comment kept with the conversation; give a thumbs up or down to send it with your vote."


def claims_available() -> bool:
    """Whether the claim checker (qa/claim.py) is installed; an app without it still answers questions."""
    return importlib.util.find_spec("qa.claim") is not None


def answer(engine, ask: session.Pending, opts: sidebar.Options) -> Turn | None:
    """Answer a question (or check a claim) with the held engine; failures become a short message."""
    t0 = time.perf_counter()
    claim = None
    try:
        if ask.claim:
            from qa.claim import check

            said, claim = from_claim_result(check(engine, ask.text))
        else:
            last = [t for t in st.session_state.turns if t.claim is None][-1:]  # a follow-up reads the last question
            previous = [FollowUp.of(t.answer) for t in last]
            said = engine.ask(ask.text, k=opts.k, myth=opts.myth, section=opts.section, previous=previous)
    except Exception:
        log.exception("answering failed for %r", ask.text[:200])
        st.error(OOPS.format("checking the claim" if ask.claim else "answering"))
        return None
    ms = (time.perf_counter() - t0) * 1000
    log.info("engine answered in %.1f ms (index %s)", ms, engine.version)
    filters = {} if ask.claim else {"myth": opts.myth, "section": opts.section}  # a claim is checked against every myth
    notice = links.index_changed(ask.link_version, engine.version)
    models, profile = tuple(engine.weights), engine.settings.name
    return Turn(uuid.uuid4().hex, said, engine.version, ms, **filters, models=models, profile=profile, k=opts.k,
                asked_at=time.time(), notice=notice, claim=claim, typed=shorten(ask.text))  # fmt: skip


def keep(store: ConversationStore, turn: Turn) -> None:
    """Add the turn to the conversation shown, and to the store (the first turn gives the conversation its id and URL)."""
    ss = st.session_state
    ss.turns.append(turn)
    if ss.conv is None:
        ss.conv = session.new_id()
        st.query_params["c"] = ss.conv
    try:
        try:
            store.add(ss.conv, turn, ss.owner)
        except NotYours:  # someone else's conversation id in this address: this visitor's turn starts one of their own
            ss.conv, ss.turns = session.new_id(), [turn]
            st.query_params["c"] = ss.conv
            store.add(ss.conv, turn, ss.owner)
    except Exception:
        log.exception("storing the turn failed")
        st.toast("This answer could not be saved; it will be lost on reload.", icon="⚠️")


def base_url() -> str:
    """The app's address as the browser sees it, for permalinks ("" when no browser is behind this run)."""
    try:
        return (st.context.url or "").split("?")[0]  # never this visitor's own parameters
    except Exception:  # tests: links become relative
        return ""
