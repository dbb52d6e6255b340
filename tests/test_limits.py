"""Limits that hold on a public server (ui.limits): throttled questions and votes, capped conversations and turns."""

from __future__ import annotations

import itertools

import pytest

import store.conversations as conversations_module
import ui.limits as limits_module
from core import settings
from store.conversations import ConversationStore
from tests.test_app import ask, hash_app, plain
from tests.test_conversations import _turn
from ui.limits import Limits, Throttle, client, new_conversation_refused


def test_throttle_counts_a_sliding_minute_per_visitor():
    t = Throttle(3)
    assert [t.wait("a", now=s) for s in (0, 1, 2)] == [0, 0, 0]
    assert t.wait("a", now=3) == 57 and t.wait("b", now=3) == 0  # another visitor has a minute of their own
    assert t.wait("a", now=60) == 0  # the first event has left the window
    assert Throttle(0).wait("a") == 0  # 0: no limit


def test_limits_come_from_the_environment_and_bad_values_keep_defaults():
    limits = settings.load({"MYTHQA_QUESTIONS_PER_MINUTE": "5", "MYTHQA_RETENTION_DAYS": "7.5", "MYTHQA_VOTES_PER_MINUTE": "many"})
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


# --- limits one script cannot turn against everyone ---


@pytest.fixture
def fresh_throttles(monkeypatch):
    """The process-wide throttles of ui.limits, empty for this test."""
    monkeypatch.setattr(limits_module, "_throttles", {})


def test_a_full_store_evicts_the_least_recently_used_conversation_not_the_new_one(tmp_path, monkeypatch):
    clock = itertools.count(1000)
    monkeypatch.setattr(conversations_module.time, "time", lambda: float(next(clock)))
    store = ConversationStore(tmp_path / "c.sqlite3", Limits(conversations_total=3))
    c1, c2, c3, c4 = ("1" * 32, "2" * 32, "3" * 32, "4" * 32)
    for n, cid in enumerate((c1, c2, c3)):
        assert store.add(cid, _turn(f"{n}".ljust(32, "a"), f"Q{n}?"), "owner-a").saved
    assert store.add(c1, _turn("9".ljust(32, "a"), "Again?"), "owner-a").saved  # c1 used last: c2 is now the oldest
    assert store.add(c4, _turn("4".ljust(32, "b"), "New?"), "owner-b").saved  # a stranger's first turn is kept
    assert sorted(s.id for s in store.recent()[0]) == [c1, c3, c4] and store.count(c2) == 0 and store.count(c1) == 2
    assert store.add(c3, _turn("5".ljust(32, "b"), "More?"), "owner-a").saved  # not a new conversation: none evicted
    assert store.conversations() == 3


def test_with_a_cap_of_one_the_conversation_being_written_is_the_one_kept(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3", Limits(conversations_total=1))
    store.add("1" * 32, _turn("a" * 32, "Old?"))
    store.add("2" * 32, _turn("b" * 32, "New?"))
    assert [(s.id, s.title) for s in store.recent()[0]] == [("2" * 32, "New?")]


def test_a_full_server_still_saves_a_new_visitors_conversation(monkeypatch, tmp_path, hash_index):
    monkeypatch.setenv("MYTHQA_CONVERSATIONS_TOTAL", "1")
    first = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    second = ask(hash_app(monkeypatch, tmp_path, hash_index), "Who wrote this?")  # another visitor
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert store.count(second.query_params["c"]) == 1 and store.count(first.query_params["c"]) == 0
    assert not second.toast


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy():
    forged = ["203.0.113.9"]
    assert client(forged, "v1", 0) == "visitor:v1"  # anyone can send the header: without a trusted proxy it is ignored
    assert client(["203.0.113.9, 198.51.100.7"], "v1", 1) == "address:198.51.100.7"  # the entry the proxy appended
    assert client(["203.0.113.9", "198.51.100.7, 10.0.0.2"], "v1", 2) == "address:198.51.100.7"  # two proxies
    assert client([], "v1", 1) == "visitor:v1"  # no header reached the app: per visitor


def test_new_conversations_are_throttled_per_forwarded_address_with_a_trusted_proxy(fresh_throttles):
    limits = Limits(conversations_per_hour=2, trusted_proxy=1)
    proxied = ["203.0.113.9, 198.51.100.7"]  # the script forges its first entry; the proxy appended its real address
    refused = [new_conversation_refused(visitor, limits, proxied) for visitor in ("v1", "v2", "v3")]
    assert refused[:2] == ["", ""] and refused[2] == (
        "You have started 2 new conversation(s) in the last hour, the most this server keeps: this answer is not saved."
        " Continue a conversation you have, or start a new one in 60 min."
    )
    assert new_conversation_refused("v3", limits, ["203.0.113.9, 198.51.100.8"]) == ""  # another address is not held up


def test_a_forged_forwarded_address_changes_nothing_without_a_trusted_proxy(fresh_throttles):
    limits = Limits(conversations_per_hour=2)
    assert [new_conversation_refused(v, limits, [f"203.0.113.{n}"]) for n, v in enumerate(("v1", "v1"))] == ["", ""]
    assert new_conversation_refused("v1", limits, ["203.0.113.99"]).startswith("You have started 2 new conversation(s)")
    assert new_conversation_refused("v2", limits, ["203.0.113.0"]) == ""  # per visitor: another visitor is not held up


def test_in_the_app_a_visitor_past_the_hourly_conversations_is_answered_but_not_saved(monkeypatch, tmp_path, hash_index, fresh_throttles):
    monkeypatch.setenv("MYTHQA_CONVERSATIONS_PER_HOUR", "1")
    at = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    [b for b in at.sidebar.button if b.label == "New conversation"][0].click().run()
    ask(at, "Who wrote this?")
    assert len(at.session_state["turns"]) == 1 and at.session_state["conv"] is None
    assert plain(at.toast[0].value).startswith("You have started 1 new conversation(s) in the last hour")
    assert ConversationStore(tmp_path / "conversations.sqlite3").conversations() == 1


def test_the_throttle_forgets_keys_whose_events_left_the_window():
    t = Throttle(1, window=10)
    assert [t.wait(k, now=0) for k in ("a", "b")] == [0, 0] and t.keys() == 2
    assert t.wait("a", now=5) == 5
    assert t.wait("c", now=12) == 0 and t.keys() == 1  # a and b had nothing left in the window
