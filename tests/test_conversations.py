"""Conversations that last: the SQLite store, the turn JSON codec, and restoring, switching and sharing them in the app."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from streamlit.testing.v1 import AppTest

from qa.engine import Engine
from qa.followup import Turn as FollowUp
from qa.types import Answer, AnswerSentence, Passage
from store.conversations import ConversationStore, title_of
from store.turn import Claim, Feedback, Turn, turn_from_json, turn_to_json
from tests.test_app import APP, TIMEOUT, ask, hash_app, plain
from tests.test_identity import browser, secret
from ui.session import GONE

URL = "https://example.org/myth-90"


def _turn(tid: str = "a" * 32, question: str = "Did China help?", claim: Claim | None = None) -> Turn:
    p1 = Passage(1, 0.5, "Intro. China did not help.", 11, 10, "T", "A", "Why is it wrong?", 3, "m.txt", None, URL, "u1", "Pub", "2022")
    p2 = Passage(2, 0.25, "Some say so.", 12, 10, "T", "A", "What is the myth?", 1, "m.pdf", 4)
    said = (AnswerSentence("China did not help.", 0, 7, 26, 0.9),)
    answer = Answer(question, True, "", said, (p1, p2), understood_as="Did China help Russia?")
    return Turn(tid, answer, "v1", 12.0, 10, "Why is it wrong?", ("minilm",), "default", 3, 1700000000.0, "note", claim)


def test_turn_json_round_trip_keeps_every_field():
    for t in (_turn(), _turn(claim=Claim(True, 10, "Title", "Author", 0.91))):
        assert turn_from_json(json.loads(json.dumps(turn_to_json(t)))) == t


def test_turn_from_json_rejects_what_is_not_a_stored_turn():
    good = turn_to_json(_turn())
    for bad in ({**good, "format": 99}, {k: v for k, v in good.items() if k != "answer"}, [1, 2], {"format": 1, "id": "x"}):
        with pytest.raises(ValueError):
            turn_from_json(bad)
    newer = {**good, "field_from_the_future": 1, "answer": {**good["answer"], "extra": 2}}
    assert turn_from_json(newer) == _turn()  # unknown keys of a newer app are ignored


def test_title_is_the_first_question_on_one_line():
    assert title_of(_turn(question="  Who\n wrote   this? ")) == "Who wrote this?"
    assert title_of(_turn(question="x" * 200)) == "x" * 79 + "…"
    assert title_of(_turn(question="China arms Russia", claim=Claim(False))) == "Claim: China arms Russia"


def test_store_keeps_turns_in_order_with_their_feedback(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    a, b = "1" * 32, "2" * 32
    t1, t2, t3 = _turn("a" * 32, "First?"), _turn("b" * 32, "Second?"), _turn("c" * 32, "Other?")
    store.add(a, t1)
    store.add(b, t3)
    store.add(a, t2)
    store.set_feedback(t2.id, Feedback("right_passage", "close"))
    conv = store.load(a)
    assert conv.turns == (t1, t2) and dict(conv.feedback) == {t2.id: Feedback("right_passage", "close")}
    assert (store.count(a), store.count(b), store.count("9" * 32)) == (2, 1, 0)
    shown, total = store.recent()
    assert [(s.id, s.title, s.turns) for s in shown] == [(a, "First?", 2), (b, "Other?", 1)] and total == 2
    assert store.load("9" * 32) is None


def test_store_is_wal_with_json_columns(tmp_path):
    path = tmp_path / "c.sqlite3"
    ConversationStore(path).add("1" * 32, _turn())
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    (raw,) = con.execute("SELECT turn FROM turns").fetchone()
    assert json.loads(raw)["answer"]["passages"][0]["url"] == URL  # plain JSON, readable without this app
    con.close()


def test_a_damaged_turn_costs_only_itself(tmp_path):
    path = tmp_path / "c.sqlite3"
    store = ConversationStore(path)
    store.add("1" * 32, _turn("a" * 32, "Kept?"))
    store.add("1" * 32, _turn("b" * 32, "Damaged?"))
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE turns SET turn = '{not json' WHERE id = ?", ("b" * 32,))
    con.close()
    assert [t.question for t in store.load("1" * 32).turns] == ["Kept?"]


def test_delete_forgets_the_conversation_and_its_turns(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    store.add("1" * 32, _turn("a" * 32))
    store.add("2" * 32, _turn("b" * 32))
    store.delete("1" * 32)
    assert store.load("1" * 32) is None and store.count("1" * 32) == 0
    assert [s.id for s in store.recent()[0]] == ["2" * 32]


def test_several_writers_at_once_lose_nothing(tmp_path):
    """Tabs write from their own threads; WAL, the busy timeout and the retries serialise them."""
    path = tmp_path / "c.sqlite3"

    def write(n: int) -> None:
        store = ConversationStore(path)
        for i in range(25):
            store.add(f"{n}" * 32, _turn(f"{n}{i:02d}".ljust(32, "f"), f"Q{n}.{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    store = ConversationStore(path)
    assert store.writer.flush(60)  # a write the lock held up lands behind the ones before it (store.background)
    for n in (1, 2, 3):
        assert [t.question for t in store.load(f"{n}" * 32).turns] == [f"Q{n}.{i}" for i in range(25)]


# --- in the app (hash-embedded index: no model files) ---


def _reopen(monkeypatch, url_conversation: str, visitor: str | None = None) -> AppTest:
    """A new session opening the address ?c=…, in the browser of the visitor whose secret is given, else in a new one."""
    browser(monkeypatch, visitor)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["c"] = url_conversation
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> list[str]:
    return [plain(m.markdown[0].value) for m in at.chat_message]


def test_reload_restores_the_conversation_and_its_votes(monkeypatch, tmp_path, hash_index):
    at = hash_app(monkeypatch, tmp_path, hash_index)
    ask(at, "Why is the myth wrong?")
    ask(at, "What would good policy look like?")
    turn = at.session_state["turns"][0]
    at.feedback(key=f"fb-{turn.id}").set_value(0).run()
    at.checkbox(key=f"fb-passage-{turn.id}").check().run()
    conv = at.query_params["c"]
    assert conv == at.session_state["conv"]
    shown = _shown(at)

    again = _reopen(monkeypatch, conv, secret(at))  # a reload is a new session with the same address
    assert _shown(again) == shown and len(shown) == 4
    assert again.session_state["turns"] == at.session_state["turns"]
    assert again.feedback(key=f"fb-{turn.id}").value == 0 and again.checkbox(key=f"fb-passage-{turn.id}").value is True
    assert [plain(b.label) for b in again.sidebar.button if b.key == f"open-{conv}"] == ["Why is the myth wrong?"]


def test_a_follow_up_after_reload_reads_the_restored_turn(monkeypatch, tmp_path, hash_index):
    at = hash_app(monkeypatch, tmp_path, hash_index)
    ask(at, "Is China supplying Russia with arms?")
    again = ask(_reopen(monkeypatch, at.query_params["c"], secret(at)), "And what about India?")
    first, follow = again.session_state["turns"]
    expected = Engine.load(hash_index).ask("And what about India?", previous=[FollowUp.of(first.answer)])
    assert follow.answer.understood_as == expected.understood_as == "Is India supplying Russia with arms?"
    assert "Understood as: Is India supplying Russia with arms?" in [plain(c.value) for c in again.chat_message[-1].caption]


def test_two_tabs_keep_two_conversations(monkeypatch, tmp_path, hash_index):
    one = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    two = ask(hash_app(monkeypatch, tmp_path, hash_index), "What would good policy look like?")
    assert one.query_params["c"] != two.query_params["c"]
    ask(one, "Who wrote this?")
    assert _shown(one)[::2] == ["Why is the myth wrong?", "Who wrote this?"]
    assert _shown(two)[::2] == ["What would good policy look like?"]
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert [t.question for t in store.load(one.query_params["c"]).turns] == ["Why is the myth wrong?", "Who wrote this?"]
    assert [t.question for t in store.load(two.query_params["c"]).turns] == ["What would good policy look like?"]


def test_a_tab_picks_up_turns_another_tab_added(monkeypatch, tmp_path, hash_index):
    one = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    two = _reopen(monkeypatch, one.query_params["c"], secret(one))
    ask(one, "Who wrote this?")
    two.run()
    assert _shown(two)[::2] == ["Why is the myth wrong?", "Who wrote this?"]


def test_sidebar_reopens_and_deletes_conversations(monkeypatch, tmp_path, hash_index):
    at = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    first = at.query_params["c"]
    [b for b in at.sidebar.button if b.label == "New conversation"][0].click().run()
    ask(at, "Who wrote this?")
    second = at.query_params["c"]
    assert [b.key for b in at.sidebar.button if b.key and b.key.startswith("open-")] == [f"open-{second}", f"open-{first}"]
    at.sidebar.button(key=f"open-{first}").click().run()
    assert at.query_params["c"] == first and _shown(at)[::2] == ["Why is the myth wrong?"]
    at.sidebar.button(key=f"delete-{second}").click().run()  # asks first
    assert plain(at.sidebar.caption[-1].value) == "Delete “Who wrote this?”?"
    at.sidebar.button(key=f"keep-{second}").click().run()
    assert ConversationStore(tmp_path / "conversations.sqlite3").load(second) is not None
    at.sidebar.button(key=f"delete-{second}").click().run()
    at.sidebar.button(key=f"confirm-{second}").click().run()
    assert [b.key for b in at.sidebar.button if b.key and b.key.startswith("open-")] == [f"open-{first}"]
    assert ConversationStore(tmp_path / "conversations.sqlite3").load(second) is None
    [b for b in at.sidebar.button if b.label == "Undo delete"][0].click().run()  # brought back, votes and all
    assert [t.question for t in ConversationStore(tmp_path / "conversations.sqlite3").load(second).turns] == ["Who wrote this?"]
    assert at.query_params["c"] == second and _shown(at)[::2] == ["Who wrote this?"]
    at.sidebar.button(key=f"delete-{first}").click().run()
    at.sidebar.button(key=f"confirm-{first}").click().run()
    at.sidebar.button(key=f"delete-{second}").click().run()
    at.sidebar.button(key=f"confirm-{second}").click().run()  # deleting the one shown starts a new one
    assert not at.chat_message and "c" not in at.query_params and at.session_state["conv"] is None


@pytest.mark.parametrize("address", ["f" * 32, "not-an-id"])
def test_an_unknown_conversation_address_starts_fresh_with_a_notice(monkeypatch, tmp_path, hash_index, address):
    hash_app(monkeypatch, tmp_path, hash_index)  # sets the environment
    at = _reopen(monkeypatch, address)
    assert not at.chat_message and "c" not in at.query_params
    expected = GONE if address == "f" * 32 else "The conversation id in the address is not valid; starting a new conversation."
    assert plain(at.toast[0].value) == expected


def test_a_long_question_reads_the_same_after_reload(monkeypatch, tmp_path, hash_index):
    question = "Why is the myth wrong? " * 435  # the engine reads only its last 5,000 characters
    at = ask(hash_app(monkeypatch, tmp_path, hash_index), question)
    again = _reopen(monkeypatch, at.query_params["c"], secret(at))
    assert _shown(again)[0] == _shown(at)[0] and _shown(at)[0].endswith("… (10,004 characters)")


def test_strangers_see_nothing_of_each_other(monkeypatch, tmp_path, hash_index):
    """Visitor B, even holding A's conversation address, neither sees, continues, rates nor deletes A's conversation; A's
    reload still restores it; the share link carries neither the conversation nor the visitor."""
    a = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    conv, key = a.query_params["c"], secret(a)
    turn = a.session_state["turns"][0]
    a.feedback(key=f"fb-{turn.id}").set_value(0).run()
    b = ask(hash_app(monkeypatch, tmp_path, hash_index), "Who wrote this?")
    assert secret(b) != key and "u" not in a.query_params and "u" not in b.query_params
    assert [x.key for x in b.sidebar.button if x.key and x.key.startswith("open-")] == [f"open-{b.query_params['c']}"]
    stolen = _reopen(monkeypatch, conv, secret(b))  # B opens A's address in B's browser
    assert not stolen.chat_message and plain(stolen.toast[0].value) == GONE and "c" not in stolen.query_params
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    owner_b = b.session_state["owner"]
    assert store.load(conv, owner_b) is None and not store.delete(conv, owner_b)
    store.set_feedback(turn.id, Feedback("right", "B was here"), owner_b)  # a vote on A's turn from B: ignored
    again = _reopen(monkeypatch, conv, key)  # A's reload
    assert _shown(again)[::2] == ["Why is the myth wrong?"] and again.feedback(key=f"fb-{turn.id}").value == 0
    assert store.load(conv).feedback[turn.id] == a.session_state["feedback"][turn.id]  # A's own vote, unchanged
    link = [c.value for c in a.chat_message[-1].code][0]
    assert "c=" not in link and "u=" not in link and key not in link


def test_the_operator_lists_and_purges_every_visitors_conversations(tmp_path, monkeypatch, capsys):
    from ui.manage import main

    db = tmp_path / "conversations.sqlite3"
    monkeypatch.setenv("MYTHQA_CONVERSATIONS_DB", str(db))
    store = ConversationStore(db)
    store.add("1" * 32, _turn("a" * 32, "Mine?"), "owner-a")
    store.add("2" * 32, _turn("b" * 32, "Theirs?"), "owner-b")
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "2 conversation(s)" in out and "Mine?" in out and "Theirs?" in out
    assert main(["--purge", "1" * 32]) == 0 and store.load("1" * 32) is None and store.load("2" * 32) is not None
    assert main(["--older-than", "0"]) == 0 and "Removed 1 conversation(s)" in capsys.readouterr().out.splitlines()[-1]
    assert store.recent() == ([], 0)


def test_a_shared_answer_is_a_read_only_view_that_adds_nothing_to_any_list(monkeypatch, tmp_path, hash_index):
    from ui.views import SHARE

    a = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    turn = a.session_state["turns"][0]
    a.button(key=f"share-{turn.id}").click().run()
    share_id = a.session_state["shares"][turn.id]
    assert share_id != a.query_params["c"] and share_id != secret(a)
    assert f"?{SHARE}={share_id}" in [c.value for c in a.chat_message[-1].code][0]
    b = AppTest.from_file(APP, default_timeout=TIMEOUT)
    b.query_params[SHARE] = share_id
    b.run()
    assert _shown(b) == _shown(a) and not b.feedback and not [x for x in b.button if x.key and x.key.startswith("share-")]
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert store.recent(owner=b.session_state["owner"]) == ([], 0) and store.conversations() == 1  # only A's own
    assert "c" not in b.query_params
    bogus = AppTest.from_file(APP, default_timeout=TIMEOUT)
    bogus.query_params[SHARE] = "0" * 32
    bogus.run()
    assert not bogus.chat_message and "shared answer is not stored here" in plain(bogus.toast[0].value)
