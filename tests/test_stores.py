"""Answering never waits on storage (store.background): a locked store holds a write up briefly, the write lands once the lock
is freed, and a read-only store is said to be one, for each store on its own."""

from __future__ import annotations

import contextlib
import sqlite3
import time

import pytest

from core import settings
from store.background import Outcome, Writer, WriteSettings
from store.conversations import ConversationStore
from store.db import connect
from store.turn import Feedback
from store.votes import FeedbackStore
from tests.test_conversations import _turn
from ui import rating

A = "1" * 32


@contextlib.contextmanager
def locked(path):
    """Another connection holding the store's write lock, as `sqlite3 store 'BEGIN EXCLUSIVE;'` left open does."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        con.execute("COMMIT")
        con.close()


def _read_only(path, setup):
    """store.db.connect, on a store that takes no writes (what a read-only file gives; tests run as root, whom
    file permissions do not stop)."""
    con = connect(path, setup)
    con.execute("PRAGMA query_only = ON")
    return con


@pytest.fixture
def writer():
    """A writer of the test's own, with the app's defaults (a 1 s wait for the lock) and a 30 s retry."""
    return Writer(WriteSettings(store_retry_seconds=30.0))


def test_defaults_wait_a_second_and_retry_for_two_minutes_and_come_from_the_environment():
    assert (WriteSettings().store_busy_seconds, WriteSettings().store_retry_seconds) == (1.0, 120.0)
    s = settings.load({"MYTHQA_STORE_BUSY_SECONDS": "2", "MYTHQA_STORE_RETRY_SECONDS": "soon"})
    assert (s.store_busy_seconds, s.store_retry_seconds) == (2.0, 120.0)


def test_a_locked_store_holds_a_turn_up_about_a_second_and_saves_it_once_freed(tmp_path, writer):
    path = tmp_path / "c.sqlite3"
    store = ConversationStore(path, writer=writer)
    assert store.add(A, _turn("a" * 32, "First?")) == Outcome("saved", "conversation store")
    with locked(path):
        t0 = time.monotonic()
        out = store.add(A, _turn("b" * 32, "Second?"))
        later = store.add(A, _turn("c" * 32, "Third?"))  # queued behind the first: no second wait, and in order
        took = time.monotonic() - t0
        assert 0.9 <= took < 2.5, took
        assert (out.state, later.state, out.saved) == ("retrying", "retrying", False)
        assert out.says("This answer") == ("This answer is not saved yet: the conversation store is busy, and saving is retried for 30 s.")
        time.sleep(0.5)
        assert store.count(A) == 1 and not out.done.done()  # reading goes on under the lock; the writes wait
    assert out.done.result(timeout=10) is True and later.done.result(timeout=10) is True
    assert [t.question for t in store.load(A).turns] == ["First?", "Second?", "Third?"] and writer.pending() == 0


def test_a_vote_on_a_locked_feedback_store_is_retried_and_lands(tmp_path, writer):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, writer=writer)
    turn = _turn()
    store.record("warm", turn.answer, "right", "", "v1")
    with locked(path):
        t0 = time.monotonic()
        out = store.send(turn.id, turn.answer, "wrong", "no", "v1")
        assert out.state == "retrying" and time.monotonic() - t0 < 2.5
        assert [v.answer_id for v in store.votes()] == ["warm"]
    assert out.done.result(timeout=10) is True
    assert [(v.answer_id, v.verdict, v.comment) for v in store.votes()] == [("warm", "right", ""), (turn.id, "wrong", "no")]


def test_a_write_still_locked_when_its_retries_end_is_given_up_and_logged(tmp_path, caplog):
    path = tmp_path / "c.sqlite3"
    store = ConversationStore(path, writer=Writer(WriteSettings(store_busy_seconds=0.2, store_retry_seconds=0.6)))
    store.add(A, _turn("a" * 32))
    with locked(path):
        out = store.add(A, _turn("b" * 32))
        assert out.done.result(timeout=10) is False
    assert store.count(A) == 1 and store.writer.pending() == 0
    assert f"turn {'b' * 32}: given up, not saved in {path} (database is locked)" in caplog.text


def test_a_read_only_conversation_store_does_not_fail_the_vote_the_feedback_store_kept(tmp_path, writer, monkeypatch):
    conversations = ConversationStore(tmp_path / "c.sqlite3", writer=writer)
    votes = FeedbackStore(tmp_path / "fb.sqlite3", writer=writer)
    turn = _turn()
    conversations.add(A, turn)
    monkeypatch.setattr("store.conversations.connect", _read_only)
    told = rating.save(votes, conversations, turn, Feedback(), Feedback("right", ""), None)
    assert told == (
        "Thank you: feedback saved (Right answer). Its copy with this conversation could not be saved: the conversation store"
        " is read-only. Tell the operator (its file and folder must be writable)."
    )
    assert [(v.answer_id, v.verdict) for v in votes.votes()] == [(turn.id, "right")]
    assert conversations.load(A).feedback == {} and writer.pending() == 0  # read-only: told at once, not retried
    assert conversations.add(A, _turn("b" * 32)).state == "read-only" and conversations.count(A) == 1


def test_a_read_only_feedback_store_is_said_so_while_the_conversation_keeps_the_vote(tmp_path, writer, monkeypatch):
    conversations = ConversationStore(tmp_path / "c.sqlite3", writer=writer)
    votes = FeedbackStore(tmp_path / "fb.sqlite3", writer=writer)
    turn = _turn()
    conversations.add(A, turn)
    votes.record("warm", turn.answer, "right", "", "v1")
    monkeypatch.setattr("store.votes.connect", _read_only)
    told = rating.save(votes, conversations, turn, Feedback(), Feedback("wrong", "no"), None)
    assert told == (
        "Your vote (Wrong) could not be saved: the feedback store is read-only. Tell the operator (its file and folder must be writable)."
    )
    assert conversations.load(A).feedback == {turn.id: Feedback("wrong", "no")}
    assert [v.answer_id for v in votes.votes()] == ["warm"]


def test_a_busy_conversation_store_is_told_as_retrying_beside_a_saved_vote(tmp_path, writer):
    path = tmp_path / "c.sqlite3"
    conversations = ConversationStore(path, writer=writer)
    votes = FeedbackStore(tmp_path / "fb.sqlite3", writer=writer)
    turn = _turn()
    conversations.add(A, turn)
    with locked(path):
        told = rating.save(votes, conversations, turn, Feedback(), Feedback("right", ""), None)
    assert told == (
        "Thank you: feedback saved (Right answer). Its copy with this conversation is not saved yet: the conversation store"
        " is busy, and saving is retried for 30 s."
    )
    assert writer.flush(10) and conversations.load(A).feedback == {turn.id: Feedback("right", "")}


def test_other_failures_are_told_as_failures_and_errors_of_the_caller_still_raise(tmp_path, writer):
    def corrupt() -> None:
        raise sqlite3.DatabaseError("file is not a database")

    out = writer.write("x", "feedback store", "vote", corrupt)
    assert out.state == "failed" and out.says("Your vote") == (
        "Your vote could not be saved: the feedback store failed (the server log says why). Please try again."
    )
    with pytest.raises(ValueError, match="Unknown verdict 'great'"):
        FeedbackStore(tmp_path / "fb.sqlite3", writer=writer).send("a1", _turn().answer, "great", "", "v1")


def test_undoing_a_delete_says_what_became_of_the_restore(tmp_path, writer, monkeypatch):
    import streamlit as st

    from ui import session

    store = ConversationStore(tmp_path / "c.sqlite3", writer=writer)
    turn = _turn()
    store.add(A, turn, "me")
    kept = store.load(A, "me")
    store.delete(A, "me")
    opened = []
    monkeypatch.setattr(session, "open_conversation", opened.append)
    monkeypatch.setattr("store.conversations.connect", _read_only)
    st.session_state.update(undo=(kept, time.monotonic()), owner="me")
    session.undo_delete(store)
    assert st.session_state.pop("notice") == (
        "The conversation could not be saved: the conversation store is read-only."
        " Tell the operator (its file and folder must be writable)."
    )
    assert opened == [] and writer.pending() == 0
    monkeypatch.setattr("store.conversations.connect", connect)
    with locked(tmp_path / "c.sqlite3"):
        st.session_state.update(undo=(kept, time.monotonic()))
        session.undo_delete(store)
    assert opened == [A]  # retried in the background, so the conversation is opened, and the reader told it is not saved yet
    assert st.session_state.pop("notice") == (
        "The restored conversation is not saved yet: the conversation store is busy, and saving is retried for 30 s."
    )
    assert writer.flush(10) and store.count(A, "me") == 1  # and it lands once the lock is freed


def test_a_store_that_cannot_be_read_for_its_limits_still_keeps_the_turn(tmp_path, writer, monkeypatch):
    import streamlit as st

    from ui import actions

    def unreadable(*_):
        raise sqlite3.OperationalError("database is locked")  # a reader-blocking lock another process holds

    store = ConversationStore(tmp_path / "c.sqlite3", writer=writer)
    monkeypatch.setattr(actions, "_over_limits", unreadable)
    st.session_state.update(turns=[], conv=None, owner="me")
    turn = _turn()
    actions.keep(store, turn)
    assert st.session_state.turns == [turn] and store.count(st.session_state.conv, "me") == 1
