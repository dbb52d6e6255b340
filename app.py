"""Myth Q&A chat app (`streamlit run app.py`): renders with ui/, answers with qa.engine, keeps conversations in SQLite."""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from pathlib import Path

import streamlit as st

from store.conversations import ConversationStore
from store.turn import Feedback
from ui import actions, config, history, identity, resources, session, sidebar, views
from ui.actions import OOPS
from ui.text import escape_md, shorten

log = logging.getLogger("mythqa.app")
if not log.handlers:  # the script re-runs on every interaction; configure once per process
    _h = logging.StreamHandler()
    _h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_h)
log.setLevel(logging.INFO)
RECENT = 5  # turns drawn in full; older ones are drawn lighter to keep each question fast
# Turns drawn when a conversation opens; "Show earlier" adds as many. A browser stalls drawing hundreds of turns at once
# (a 500-turn conversation never finished), while downloads still hold the whole conversation.
PAGE = 20
ICON = Path(__file__).resolve().parent / "ui" / "icon.png"  # a local file: the page loads nothing from outside 127.0.0.1


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


# What a visitor reads for each error code (core.errors): no server path, no internals; the log has the details.
PUBLIC = {
    "model-unusable": "The answering model is not usable on this server.",
    "index-missing": "No index is published yet.",
    "index-damaged": "The index cannot be used: it is damaged or was built by another version of this program.",
}


def _refuse(settings: config.Settings, error) -> None:
    """Say what went wrong in the page's own words; the operator also gets the remedy and, when it helps, a rebuild."""
    log.error("%s: %s", error.code, error)
    if settings.operator:
        st.error(escape_md(str(error)))
        if error.code != "model-unusable" and st.button("Rebuild the index now", icon=":material/build:"):
            _build(settings, full=True)
    else:
        st.error(escape_md(PUBLIC.get(error.code, "The service cannot answer right now.") + " The operator has been told."))
    st.stop()


def _facts(settings: config.Settings) -> resources.IndexFacts:
    """What the page shows about the published index; the operator's page builds one first when there is none."""
    from core.errors import MythQAError

    try:
        facts = resources.facts(settings.index)
    except MythQAError as e:
        _refuse(settings, e)
    if facts is None:
        if not settings.operator:
            st.info("No index is published yet; the operator builds it with `python -m ingest`. Please come back later.")
            st.stop()
        _build(settings)
    return facts


def _engine(settings: config.Settings):
    """The engine for the published index (loads the model on first use); errors become short messages."""
    from core.errors import MythQAError

    try:
        return resources.engine(settings.index)
    except MythQAError as e:
        _refuse(settings, e)


def main() -> None:
    t0, cpu0 = time.perf_counter(), time.thread_time()
    st.set_page_config(page_title="Myth Q&A", page_icon=str(ICON), layout="centered")
    views.style()
    settings = config.from_env()
    settings = dataclasses.replace(settings, operator=session.operator(settings))  # the token, never the address
    store = ConversationStore(settings.conversations_db)
    ss = st.session_state
    identity.visitor(store)  # whose conversations this page may show: this browser's cookie, never the address nor the network address
    session.follow_url(store)
    actions.retain(store)
    shared = session.open_share(store)  # a read-only answer someone shared (?s=…): in no conversation
    st.title("Myth Q&A", anchor=False)
    st.caption("Verbatim, cited answers from expert texts on Russian military power.")
    facts = _facts(settings)
    session.open_link(facts)  # before the sidebar widgets, whose values a link sets
    with st.sidebar:
        sidebar.index_status(facts, resources.corpus_changes(settings.corpus, facts), settings)
        opts = sidebar.controls(facts)
        if settings.operator:  # evaluators work as the operator: never a page for visitors of a public server
            st.toggle("Evaluation page", key="evaluate", help="Run a question set, chart quality across versions, review askers' votes")
            st.caption("Operator session: reloading the page ends it; `python -m ui.operator --url <this address>` prints it again.")
    if settings.operator and ss.get("evaluate"):
        from store.votes import FeedbackStore
        from ui import evaluation

        evaluation.page(_engine(settings), settings.index, FeedbackStore(settings.feedback_db))
        return
    mode = views.mode() if actions.claims_available() else "ask"
    typed = st.chat_input(views.PLACEHOLDERS[mode])
    if typed is not None and not typed.strip():
        typed, ss.notice = None, "Type a question first." if mode == "ask" else "Paste a claim first."
    ask = session.Pending(typed, mode == "claim") if typed else ss.pop("pending", None)
    if ask is not None and not actions.allowed("questions"):  # the throttle says how long to wait
        ask = None
    if notice := ss.pop("notice", None):
        st.toast(escape_md(notice), icon="ℹ️")
    # Where each thing goes is kept from run to run, because Streamlit shows what a place held in the run before until
    # the place is drawn again (or the run ends): a welcome that stays under a new question, an earlier answer's buttons
    # under the new one, or a turn missing while the new answer is worked out would all be seen.
    if shared is not None and not ss.turns:
        with st.container():
            views.shared(shared, opts)
    elif not ss.turns and ask is None:
        with st.container():
            views.welcome(facts, mode, actions.ask_example)
    else:
        st.empty()  # holds the place: a first question clears the welcome at once, not when its answer is done
    n, base = len(ss.turns), actions.base_url()
    with st.container():  # one place per turn, each showing the turn it showed before until it is drawn again
        start = views.earlier(ss, PAGE)  # "Show earlier" pages back; new turns add places below (views.hold)
        places = [st.container() for _ in range(start, n + bool(ask))]
    before = ss.turns[start:n]  # as they are now: storing the new turn may start another conversation (actions.keep)

    def draw() -> None:
        """Every earlier turn, into its place: after a new answer, so that it is on screen without waiting for them."""
        for i, t in enumerate(before, start):
            with places[i - start]:
                views.turn(t, opts, ss.feedback.get(t.id, Feedback()), actions.feedback, i >= n + bool(ask) - RECENT, base,
                           actions.share)  # fmt: skip

    if ask is None:
        draw()
    # The page is on screen before the model loads (first start), so people can read and type meanwhile.
    engine = _engine(settings)  # held for the whole question: a re-ingest mid-question cannot mix versions
    for notice in engine.notices:  # e.g. a model the index holds that is not installed here
        st.sidebar.caption(escape_md(notice))
    if ask is not None:
        try:
            with places[-1]:  # a new place: nothing of the run before shows in it
                views.question(shorten(ask.text), ask.claim)
                with st.chat_message("assistant"):
                    with st.spinner("Checking the claim against the myths…" if ask.claim else "Searching the texts…"):
                        turn = actions.answer(engine, ask, opts)
                    if turn is not None:  # drawn before it is stored: a busy store never holds up the answer (store.background)
                        views.reply(turn, opts, Feedback(), actions.feedback, base=base, on_share=actions.share)
                        actions.keep(store, turn)
                        views.hold(ss, start, PAGE)
        finally:
            draw()
    with st.sidebar:
        sidebar.downloads(ss.turns, ss.feedback)
        history.conversations(store, ss.conv, session.new_conversation, session.open_conversation,
                              functools.partial(session.delete_conversation, store), bool(ss.turns), ss.owner,
                              functools.partial(session.undo_delete, store) if session.can_undo() else None)  # fmt: skip
    if ask is not None:
        wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - cpu0) * 1000
        log.info("question handled in %.1f ms of server time (whole script run; %.1f ms CPU)", wall, cpu)


if __name__ == "__main__":  # a page run
    try:
        main()
    except Exception:  # st.stop / st.rerun are BaseExceptions and pass through
        log.exception("the app failed")
        st.error(OOPS.format("showing this page"))
else:  # `streamlit run app.py` finds this st.App and serves the page with it: the engine warms up when the server starts
    app = st.App(__file__, lifespan=resources.lifespan)
