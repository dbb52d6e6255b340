"""What the app does on a question, a vote or an example click: answer, store, and tell the reader briefly."""

from __future__ import annotations

import importlib.util
import logging
import time
import uuid

import streamlit as st

from core import settings
from qa.followup import Turn as FollowUp
from store.conversations import ConversationStore, NotYours
from store.db import UNREADABLE
from store.turn import Feedback, Turn, from_claim_result
from store.votes import FeedbackStore
from ui import config, links, rating, session, sidebar
from ui.limits import new_conversation_refused, throttle
from ui.text import shorten

log = logging.getLogger("mythqa.app")
OOPS = "Sorry, something went wrong while {}. The details are in the server log; please try again."


def ask_example(text: str, claim: bool) -> None:
    """Welcome-screen callback: answer the clicked example on this run."""
    st.session_state.pending = session.Pending(text, claim)


def share(turn: Turn) -> None:
    """Callback of "Make a read-only link": keep a copy of the answer under an id of its own (ui.views.SHARE), without
    the words of earlier turns (``links.shareable``)."""
    ss = st.session_state
    try:
        ss.setdefault("shares", {})[turn.id] = ConversationStore(config.from_env().conversations_db).share(links.shareable(turn))
    except Exception:
        log.exception("sharing turn %s failed", turn.id)
        ss.notice = OOPS.format("making the link")


def feedback(turn: Turn) -> None:
    """Callback of the feedback controls: store the vote as it now stands, with the conversation and for evaluators."""
    ss, settings = st.session_state, config.from_env()
    old = ss.feedback.get(turn.id, Feedback())
    new = rating.read(turn, ss, old)
    if new != old and not allowed("votes"):
        return
    conversations = ConversationStore(settings.conversations_db) if ss.conv is not None else None
    try:  # each store's outcome is told as it is (ui.rating.notice); a busy store holds nobody up (store.background)
        told = rating.save(FeedbackStore(settings.feedback_db), conversations, turn, old, new, ss.owner)
    except Exception:
        log.exception("storing feedback failed")
        ss.notice = OOPS.format("storing your feedback")
        return
    ss.feedback[turn.id] = new
    if told:
        ss.notice = told


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
    """Add the turn to the conversation shown, and to the store (the first turn gives the conversation its id and URL),
    within the server's limits (ui.limits): past them the answer is shown but not kept, and the visitor is told why."""
    ss, limits = st.session_state, settings.load()
    ss.turns.append(turn)
    try:
        try:
            full = _over_limits(store, limits)
        except UNREADABLE:  # the store cannot even be read now (another process holds it, the server is away): the write
            full = ""  # below is queued and retried, so the turn is not lost; the per-visitor counts wait for next time
            log.warning("the conversation store could not be read for its limits; the turn is saved without that check")
        if full:
            st.toast(full, icon="⚠️")
            return
        if ss.conv is None:
            ss.conv = session.new_id()
            st.query_params["c"] = ss.conv
        try:
            saved = store.add(ss.conv, turn, ss.owner)
        except NotYours:  # someone else's conversation id in this address: this visitor's turn starts one of their own
            ss.conv, ss.turns = session.new_id(), [turn]
            st.query_params["c"] = ss.conv
            saved = store.add(ss.conv, turn, ss.owner)
        if not saved.saved:  # a busy store is retried in the background; a read-only one is said so (store.background)
            st.toast(saved.says("This answer"), icon="⚠️")
    except Exception:
        log.exception("storing the turn failed")
        st.toast("This answer could not be saved; it will be lost on reload.", icon="⚠️")


def _over_limits(store: ConversationStore, limits: settings.Limits) -> str:
    """Why the turn cannot be kept ("" when it can): too many turns here, or conversations for this visitor or in all."""
    ss = st.session_state
    if ss.conv is not None and store.count(ss.conv, ss.owner) >= limits.turns_per_conversation:
        return f"This conversation has reached {limits.turns_per_conversation:,} questions and keeps no more: start a new one."
    if ss.conv is None and store.conversations(ss.owner) >= limits.conversations_per_visitor:
        return (
            f"You have {limits.conversations_per_visitor:,} stored conversations, the most kept per visitor: delete some to keep new ones."
        )
    if ss.conv is None:  # new conversations per client address; the total evicts the least recently used instead
        return new_conversation_refused(ss.owner, limits)
    return ""


def allowed(kind: str) -> bool:
    """Whether this visitor may ask (``kind`` "questions") or vote ("votes") now, within their own limit and everyone's
    together; if not, they are told how long to wait."""
    limits = settings.load()
    mine, everyone = getattr(limits, f"{kind}_per_minute"), getattr(limits, f"{kind}_per_minute_total")
    wait = throttle(kind, mine).wait(st.session_state.owner) or throttle(f"{kind}-total", everyone).wait("*")
    if wait:
        st.session_state.notice = f"That is more {kind} than this server takes in a minute; please wait {wait:.0f} s."
    return not wait


_retained = [0.0]  # when this process last removed old conversations


def retain(store: ConversationStore) -> None:
    """Remove conversations untouched for MYTHQA_RETENTION_DAYS (at most once an hour per process)."""
    days = settings.load().retention_days
    if days > 0 and time.time() - _retained[0] > 3600:
        _retained[0] = time.time()
        try:
            if removed := store.purge(older_than_days=days):
                log.info("removed %d conversation(s) untouched for %g days", removed, days)
        except Exception:
            log.exception("removing old conversations failed")


def base_url() -> str:
    """The app's address as the browser sees it, for permalinks ("" when no browser is behind this run)."""
    try:
        return (st.context.url or "").split("?")[0]  # never this visitor's own parameters
    except Exception:  # tests: links become relative
        return ""
