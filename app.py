"""Myth Q&A chat app (`streamlit run app.py`): renders with ui.views, answers with qa.engine."""

from __future__ import annotations

import logging
import time
import uuid

import streamlit as st

from qa.feedback import FeedbackStore
from qa.followup import Turn as FollowUp
from ui import config, resources, sidebar, views
from ui.text import escape_md
from ui.transcript import Turn

log = logging.getLogger("mythqa.app")
if not log.handlers:  # the script re-runs on every interaction; configure once per process
    _h = logging.StreamHandler()
    _h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_h)
log.setLevel(logging.INFO)
RECENT = 5  # turns drawn in full; older ones are drawn lighter to keep each question fast
OOPS = "Sorry, something went wrong while {}. The details are in the server log; please try again."


def _ask_example(question: str) -> None:
    st.session_state.pending = question


def _clear() -> None:
    st.session_state.turns = []


def _open_rating(turn_id: str) -> None:
    st.session_state.rating.add(turn_id)


def _vote(turn: Turn) -> None:
    """Form callback: store one vote for one answer (the store keeps the first if sent twice)."""
    ss = st.session_state
    verdict = ss.get(f"fb-verdict-{turn.id}")
    if verdict is None:
        ss.notice = "Choose one of the three options before sending feedback."
        return
    try:
        store = FeedbackStore(config.from_env().feedback_db)
        comment = ss.get(f"fb-comment-{turn.id}") or ""
        store.record(turn.id, turn.answer, verdict, comment, turn.index_version, turn.models, turn.profile)
        ss.votes[turn.id] = verdict
    except Exception:
        log.exception("storing feedback failed")
        ss.notice = OOPS.format("storing your feedback")


def _build(settings: config.Settings, full: bool = False) -> None:
    """Build the index in-app with a progress bar, then start over with it."""
    st.info(escape_md(f"Building the index from {settings.corpus}/ (first start only; about a minute)…"), icon=":material/build:")
    bar = st.progress(0.0, text="Reading the corpus…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Embedding passages: {done} / {total}")

    report = resources.build_index(settings.corpus, settings.index, progress, full)
    if report.exit_code >= 2:
        st.error(escape_md(report.message))
        st.stop()
    st.rerun()


def _facts(settings: config.Settings) -> resources.IndexFacts:
    """What the page shows about the published index; builds one first when there is none."""
    facts = resources.facts(settings.index)
    if facts is None:
        _build(settings)
    return facts


def _engine(settings: config.Settings):
    """The engine for the published index (loads the model on first use); errors become short messages."""
    from core.compat import IndexFormatError
    from core.model import ModelError

    try:
        return resources.engine(settings.index)
    except ModelError as e:  # rebuilding cannot help: the message says how to reinstall the model
        st.error(escape_md(str(e)))
    except IndexFormatError as e:
        st.error(escape_md(str(e)))
        if st.button("Rebuild the index now", icon=":material/build:"):
            _build(settings, full=True)
    st.stop()


def _answer(engine, question: str, opts: sidebar.Options) -> Turn | None:
    t0 = time.perf_counter()
    try:
        last = st.session_state.turns[-1:] if st.session_state.get("turns") else []
        previous = [FollowUp.of(t.answer) for t in last]
        answer = engine.ask(question, k=opts.k, myth=opts.myth, section=opts.section, previous=previous)
    except Exception:
        log.exception("answering failed for %r", question[:200])
        st.error(OOPS.format("answering"))
        return None
    ms = (time.perf_counter() - t0) * 1000
    log.info("engine answered in %.1f ms (index %s)", ms, engine.version)
    return Turn(uuid.uuid4().hex, answer, engine.version, ms, opts.myth, opts.section, tuple(engine.weights), engine.settings.name)


def main() -> None:
    t0, cpu0 = time.perf_counter(), time.thread_time()
    st.set_page_config(page_title="Myth Q&A", page_icon=":material/forum:", layout="centered")
    settings = config.from_env()
    ss = st.session_state
    ss.setdefault("turns", [])
    ss.setdefault("votes", {})
    ss.setdefault("rating", set())  # older turns whose feedback form was opened
    st.title("Myth Q&A", anchor=False)
    st.caption("Verbatim, cited answers from expert texts on Russian military power.")
    facts = _facts(settings)
    with st.sidebar:
        sidebar.index_status(facts, resources.corpus_changes(settings.corpus, facts), settings)
        opts = sidebar.controls(facts)
    if notice := ss.pop("notice", None):
        st.toast(notice, icon=":material/info:")
    pending = ss.pop("pending", None)  # an example question clicked on the welcome screen
    question = st.chat_input("Ask a question about the myths…") or pending
    if not ss.turns and not question:
        views.welcome(facts, _ask_example)
    first_recent = len(ss.turns) + bool(question) - RECENT
    for i, t in enumerate(ss.turns):
        views.turn(t, opts, ss.votes.get(t.id), _vote, _open_rating, recent=i >= first_recent, rating=t.id in ss.rating)
    # The page is on screen before the model loads (first start), so people can read and type meanwhile.
    engine = _engine(settings)  # held for the whole question: a re-ingest mid-question cannot mix versions
    for notice in engine.notices:  # e.g. a model the index holds that is not installed here
        st.sidebar.caption(escape_md(notice))
    if question:
        turn = _answer(engine, question, opts)
        if turn is not None:
            ss.turns.append(turn)
            views.turn(turn, opts, None, _vote, _open_rating)
    with st.sidebar:
        sidebar.conversation_tools(ss.turns, ss.votes, _clear)
    if question:
        wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - cpu0) * 1000
        log.info("question handled in %.1f ms of server time (whole script run; %.1f ms CPU)", wall, cpu)


try:
    main()
except Exception:  # st.stop / st.rerun are BaseExceptions and pass through
    log.exception("the app failed")
    st.error(OOPS.format("showing this page"))
