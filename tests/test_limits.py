"""Limits that hold on a public server (ui.limits): throttled questions and votes, capped conversations and turns."""

from __future__ import annotations

from tests.test_app import ask, hash_app, plain
from ui.conversations import ConversationStore
from ui.limits import Limits, Throttle


def test_throttle_counts_a_sliding_minute_per_visitor():
    t = Throttle(3)
    assert [t.wait("a", now=s) for s in (0, 1, 2)] == [0, 0, 0]
    assert t.wait("a", now=3) == 57 and t.wait("b", now=3) == 0  # another visitor has a minute of their own
    assert t.wait("a", now=60) == 0  # the first event has left the window
    assert Throttle(0).wait("a") == 0  # 0: no limit


def test_limits_come_from_the_environment_and_bad_values_keep_defaults():
    limits = Limits.from_env({"MYTHQA_QUESTIONS_PER_MINUTE": "5", "MYTHQA_RETENTION_DAYS": "7.5", "MYTHQA_VOTES_PER_MINUTE": "many"})
    assert (limits.questions_per_minute, limits.retention_days, limits.votes_per_minute) == (5, 7.5, Limits().votes_per_minute)


def test_questions_past_the_minute_limit_wait_and_say_so(monkeypatch, tmp_path, hash_index):
    monkeypatch.setenv("MYTHQA_QUESTIONS_PER_MINUTE", "2")
    at = hash_app(monkeypatch, tmp_path, hash_index)
    ask(at, "Why is the myth wrong?")
    ask(at, "Who wrote this?")
    ask(at, "What would good policy look like?")
    assert len(at.session_state["turns"]) == 2
    assert plain(at.toast[0].value).startswith("That is more questions than this server takes in a minute; please wait ")


def test_everyones_questions_together_are_limited_too(monkeypatch, tmp_path, hash_index):
    """A script that drops its visitor secret to look new each time meets the limit for everyone together."""
    monkeypatch.setenv("MYTHQA_QUESTIONS_PER_MINUTE_TOTAL", "3")
    answered = 0
    for _ in range(4):
        at = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
        answered += len(at.session_state["turns"])
    assert answered == 3 and "more questions than this server takes" in plain(at.toast[0].value)


def test_conversations_and_turns_past_their_caps_are_shown_but_not_kept(monkeypatch, tmp_path, hash_index):
    monkeypatch.setenv("MYTHQA_CONVERSATIONS_PER_VISITOR", "1")
    monkeypatch.setenv("MYTHQA_TURNS_PER_CONVERSATION", "2")
    at = hash_app(monkeypatch, tmp_path, hash_index)
    for q in ("Why is the myth wrong?", "Who wrote this?", "What would good policy look like?"):
        ask(at, q)
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert store.count(at.query_params["c"]) == 2 and len(at.session_state["turns"]) == 3
    assert "has reached 2 questions and keeps no more" in plain(at.toast[0].value)
    [b for b in at.sidebar.button if b.label == "New conversation"][0].click().run()
    ask(at, "Who promotes the myth?")
    assert store.conversations(at.session_state["owner"]) == 1
    assert "the most kept per visitor" in plain(at.toast[0].value)
