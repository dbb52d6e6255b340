"""Who a visitor is: the secret in this browser's cookie; a value in the address is never anyone's identity, and an old
``?u=`` address moves its conversations to the browser that opens it, once."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from qa.types import Answer, AnswerSentence, Passage
from store.conversations import ConversationStore
from store.turn import Turn
from tests.test_app import APP, TIMEOUT, ask, hash_app, plain
from ui import identity
from ui.identity import COOKIE, LEGACY, legacy_owner, owner_of
from ui.session import GONE

A, B, X = "a1" * 16, "b2" * 16, "c3" * 16  # secrets of browser A, browser B, and one an old or forged address carries


def browser(monkeypatch, secret: str | None) -> None:
    """Sessions opened from now on are a browser sending ``secret`` in its cookie (None: a browser without it)."""
    monkeypatch.setattr(identity, "browser_cookies", lambda: {COOKIE: secret} if secret else {})


def secret(at: AppTest) -> str:
    """The secret the session of ``at`` uses and has its page write into the browser's cookie."""
    return at.session_state["visitor_key"]


def _turn(tid: str, question: str) -> Turn:
    p = Passage(1, 0.5, "China did not help.", 11, 10, "T", "A", "Why is it wrong?", 3, "m.txt", None)
    return Turn(tid, Answer(question, True, "", (AnswerSentence("China did not help.", 0, 0, 19, 0.9),), (p,)), "v1", 12.0)


def _open(monkeypatch, cookie: str | None, **params: str) -> AppTest:
    browser(monkeypatch, cookie)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def _written(at: AppTest) -> list[str]:
    """The cookie-writing scripts the page carries."""
    return [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]


def test_the_script_keeps_the_secret_in_a_same_site_cookie_for_400_days():
    assert identity.script(A) == (
        f'<script>document.cookie = "mythqa_visitor={A}; Path=/; Max-Age=34560000; SameSite=Strict"'
        ' + (location.protocol === "https:" ? "; Secure" : "");</script>'
    )


@pytest.mark.parametrize(("sent", "expected"), [({COOKIE: A}, A), ({}, None), ({COOKIE: "A1" * 16}, None), ({COOKIE: A[:-1]}, None)])
def test_only_a_secret_of_ours_is_read_from_the_cookie(monkeypatch, sent, expected):
    monkeypatch.setattr(identity, "browser_cookies", lambda: sent)
    assert identity.sent_secret() == expected


def test_the_cookie_is_the_identity_and_the_address_carries_none(monkeypatch, tmp_path, hash_index):
    browser(monkeypatch, A)
    at = ask(hash_app(monkeypatch, tmp_path, hash_index), "Why is the myth wrong?")
    assert at.session_state["owner"] == owner_of(A) and set(at.query_params) == {"c"}
    assert _written(at) == [identity.script(A)]  # written again: the expiry starts afresh
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert [s.id for s in store.recent(owner=owner_of(A))[0]] == [at.query_params["c"]]
    again = _open(monkeypatch, A, c=at.query_params["c"])  # a reload in the same browser
    assert [plain(m.markdown[0].value) for m in again.chat_message][::2] == ["Why is the myth wrong?"]
    elsewhere = _open(monkeypatch, B, c=at.query_params["c"])  # the address bar copied into another browser
    assert not elsewhere.chat_message and plain(elsewhere.toast[0].value) == GONE and "c" not in elsewhere.query_params


def test_a_first_visit_uses_the_secret_it_writes_from_its_first_run(monkeypatch, tmp_path, hash_index):
    browser(monkeypatch, None)
    at = hash_app(monkeypatch, tmp_path, hash_index)
    key = secret(at)
    assert len(key) == 32 and int(key, 16) >= 0 and at.session_state["owner"] == owner_of(key)
    assert _written(at) == [identity.script(key)] and not at.query_params
    ask(at, "Why is the myth wrong?")  # answered before any reload: kept under the secret the cookie now holds
    assert secret(at) == key
    again = _open(monkeypatch, key, c=at.query_params["c"])
    assert len(again.chat_message) == 2 and secret(again) == key
    browser(monkeypatch, None)
    assert secret(hash_app(monkeypatch, tmp_path, hash_index)) != key  # yet another browser without it: another visitor


def test_a_value_in_the_address_fixes_nobodys_identity(monkeypatch, tmp_path, hash_index):
    hash_app(monkeypatch, tmp_path, hash_index)  # sets the environment
    for cookie in (None, A):  # a stranger following a link with a chosen ?u=, without and with a cookie of their own
        at = ask(_open(monkeypatch, cookie, **{LEGACY: X}), "Why is the myth wrong?")
        assert secret(at) != X and at.session_state["owner"] != owner_of(X) and LEGACY not in at.query_params
        assert cookie is None or secret(at) == cookie
        assert X not in "".join(_written(at)) and not at.toast
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert store.conversations(owner_of(X)) == 0 and store.conversations(owner_of(A)) == 1 and store.conversations() == 2


def test_an_old_address_moves_its_conversations_to_the_browser_once(monkeypatch, tmp_path, hash_index):
    hash_app(monkeypatch, tmp_path, hash_index)
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    conv, other = "1" * 32, "2" * 32
    store.add(conv, _turn("a" * 32, "Did China help?"), legacy_owner(X))  # kept under ?u=X before identities moved to cookies
    store.add(other, _turn("b" * 32, "And India?"), legacy_owner(X))
    owner = _open(monkeypatch, A, c=conv, **{LEGACY: X})  # its owner opens the old bookmark
    assert [plain(m.markdown[0].value) for m in owner.chat_message][::2] == ["Did China help?"]
    assert set(owner.query_params) == {"c"} and secret(owner) == A
    expected = "2 conversations of your old address now belong to this browser; that address opens nothing any more."
    assert plain(owner.toast[0].value) == expected
    assert store.conversations(legacy_owner(X)) == 0 and store.load(other, owner_of(A)) is not None
    assert {b.key for b in owner.sidebar.button if b.key and b.key.startswith("open-")} == {f"open-{conv}", f"open-{other}"}
    late = _open(monkeypatch, B, c=conv, **{LEGACY: X})  # the same old address, a second time, in any browser
    assert not late.chat_message and plain(late.toast[0].value) == GONE and not late.query_params
    assert not [b for b in late.sidebar.button if b.key and b.key.startswith("open-")]
    assert store.conversations(owner_of(B)) == 0 and store.conversations(owner_of(A)) == 2


def test_a_chosen_cookie_plants_nothing_through_an_old_style_link(monkeypatch, tmp_path, hash_index):
    hash_app(monkeypatch, tmp_path, hash_index)
    ask(_open(monkeypatch, X), "PLANTED: who wrote this?")  # an attacker sets the cookie to a secret of their choosing
    victim = _open(monkeypatch, A, **{LEGACY: X})  # and hands out an old-style link carrying it
    assert not victim.toast and not [b for b in victim.sidebar.button if b.key and b.key.startswith("open-")]
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    assert store.conversations(owner_of(X)) == 1 and store.conversations(owner_of(A)) == 0  # the attacker's stays theirs


def test_the_sidebar_says_where_conversations_are_kept(monkeypatch, tmp_path, hash_index):
    at = hash_app(monkeypatch, tmp_path, hash_index)
    assert f":material/lock: {identity.NOTE}" in [plain(c.value) for c in at.sidebar.caption]
