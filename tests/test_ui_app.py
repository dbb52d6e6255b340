"""The chat app, round 2: links, citations, claim check, feedback, filters and what is shown, on a hash-embedded index."""

from __future__ import annotations

import contextlib
import re
import tomllib
from urllib.parse import parse_qsl, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import layout
from core.types import TEMPLATE_SECTIONS
from qa.claim import check
from qa.engine import Engine
from store.conversations import ConversationStore
from store.turn import Feedback
from store.votes import FeedbackStore
from tests.test_app import APP, ROOT, TIMEOUT, ask, hash_app, plain
from ui import links
from ui.rating import PASSAGE_LABEL
from ui.text import escape_md
from ui.transcript import SCORES, plain_text

SOURCE = tomllib.loads((ROOT / "corpus" / "sources.toml").read_text(encoding="utf-8"))["myth-10-russia-and-china-joining-forces.txt"]
MYTH = "Russia and China are joining forces militarily against the West"


@pytest.fixture
def at(monkeypatch, tmp_path, hash_index) -> AppTest:
    return hash_app(monkeypatch, tmp_path, hash_index)


@pytest.fixture(scope="module")
def engine(hash_index) -> Engine:
    return Engine.load(hash_index)


def _captions(block) -> list[str]:
    return [plain(c.value) for c in block.caption]


def test_section_filter_lists_only_the_texts_own_sections(at):
    assert at.sidebar.selectbox(key="section").options == ["All sections", *TEMPLATE_SECTIONS]


@pytest.mark.parametrize("blank", ["   ", "\n\t \n"])
def test_a_blank_question_adds_no_turn(at, tmp_path, blank):
    ask(at, blank)
    assert not at.chat_message and at.session_state["turns"] == [] and "c" not in at.query_params
    assert plain(at.toast[0].value) == "Type a question first."
    assert ConversationStore(tmp_path / "conversations.sqlite3").recent() == ([], 0)


def test_timing_shows_only_with_the_toggle_and_scores_come_explained(at):
    at.sidebar.selectbox(key="myth").select(10)
    at.sidebar.selectbox(key="section").select("Why is it wrong?")
    ask(at.run(), "Is China arming Russia?")
    bot = at.chat_message[-1]
    assert "Filtered to Myth 10 · Why is it wrong?" in _captions(bot) and not any("Answered in" in c for c in _captions(bot))
    assert not any("score" in plain(e.label) for e in bot.expander)
    at.sidebar.toggle(key="show_scores").set_value(True).run()
    bot, turn = at.chat_message[-1], at.session_state["turns"][-1]
    assert SCORES in _captions(bot)
    assert f"Filtered to Myth 10 · Why is it wrong? · Answered in {turn.ms:.0f} ms from index {turn.index_version}" in _captions(bot)
    p = turn.answer.passages[turn.cited()[0]]
    assert f"· score {p.score:.3f} —" in plain(bot.expander[0].label)
    assert at.sidebar.toggle(key="show_scores").help == SCORES


def test_markers_link_to_their_sources_which_name_the_original_page(at, engine):
    ask(at, "Is China supplying Russia with arms to replace equipment lost in Ukraine?")
    bot, turn = at.chat_message[-1], at.session_state["turns"][-1]
    expected = engine.ask("Is China supplying Russia with arms to replace equipment lost in Ukraine?")
    assert turn.answer == expected
    markers = re.findall(r"\]\(#(src-[0-9a-f]{32}-\d+)\)", bot.markdown[0].value)
    assert markers == [f"src-{turn.id}-{s.passage + 1}" for s in expected.sentences]
    anchors = {}
    for e in bot.expander:
        for h in e.get("html"):
            anchors[re.fullmatch(r'<span id="(src-[0-9a-f]{32}-\d+)"></span>', h.proto.body)[1]] = e
    assert set(markers) <= set(anchors)  # every marker lands inside the collapsed source it names
    for i in turn.cited():
        p, box = expected.passages[i], anchors[f"src-{turn.id}-{i + 1}"]
        assert plain(box.label).startswith(f"[{turn.numbers()[i]}] Myth 10 · {p.section} · ¶{p.paragraph} — ")
        body = box.markdown[0].value
        assert f"[original page ↗]({SOURCE['url']})" in body
        assert f"{SOURCE['publisher']}, {SOURCE['date']}" in plain(body)


def test_share_gives_a_permalink_and_the_answer_as_plain_text(at):
    at.sidebar.selectbox(key="section").select("Why is it wrong?")
    ask(at.run(), "Is China arming Russia?")
    turn = at.session_state["turns"][-1]
    link, text = [c.value for c in at.chat_message[-1].code]
    assert dict(parse_qsl(urlsplit(link).query)) == {
        "q": "Is China arming Russia?",
        "section": "Why is it wrong?",
        "k": "5",
        "v": turn.index_version,
    }
    assert text == plain_text(turn, link)
    first = turn.answer.sentences[0]
    assert text.splitlines()[:2] == [
        "Q: Is China arming Russia?",
        " ".join(f"{' '.join(s.text.split())} [{turn.numbers()[s.passage]}]" for s in turn.answer.sentences),
    ]
    assert f"[1] {turn.answer.passages[first.passage].citation()} — " in text and SOURCE["url"] in text


def _open(params: dict) -> AppTest:
    opened = AppTest.from_file(APP, default_timeout=TIMEOUT)
    opened.query_params.update(params)
    opened.run()
    assert not opened.exception, opened.exception
    return opened


def test_a_permalink_reopens_the_same_answer_with_its_filters(at):
    at.sidebar.slider(key="k").set_value(3)
    at.sidebar.selectbox(key="myth").select(10)
    at.sidebar.selectbox(key="section").select("Why is it wrong?")
    ask(at.run(), "Is China arming Russia?")
    made = at.session_state["turns"][-1]
    opened = _open(dict(parse_qsl(urlsplit(links.build(made)).query)))
    (again,) = opened.session_state["turns"]
    assert again.answer == made.answer and (again.myth, again.section, again.k) == (10, "Why is it wrong?", 3)
    assert (opened.sidebar.selectbox(key="myth").value, opened.sidebar.selectbox(key="section").value) == (10, "Why is it wrong?")
    assert opened.sidebar.slider(key="k").value == 3
    assert again.notice == "" and not any("index changed" in c for c in _captions(opened.chat_message[-1]))
    assert set(opened.query_params) == {"c"} and opened.query_params["c"] != at.query_params["c"]  # a conversation of its own


def test_a_permalink_from_another_index_version_says_the_index_changed(at, hash_index):
    opened = _open({"q": "Why is the myth wrong?", "v": "20200101T000000-deadbeef"})
    now = layout.current_version(hash_index)
    note = f"The index changed since this link was made (link: 20200101T000000-deadbeef; now: {now}), so this answer may differ."
    assert opened.session_state["turns"][-1].notice == note
    assert f":material/info: {note}" in [plain(c.value) for c in opened.chat_message[-1].caption]


def test_a_permalink_with_an_unknown_filter_answers_without_it(at):
    opened = _open({"q": "Why is the myth wrong?", "myth": "77", "section": "Title"})
    (turn,) = opened.session_state["turns"]
    assert (turn.myth, turn.section) == (None, None)
    assert plain(opened.toast[0].value) == "This index has no Myth 77 and no Title; the link is answered without that filter."


def test_claim_check_names_the_myth_and_quotes_why_it_is_wrong(at, engine):
    at.segmented_control(key="mode").set_value("claim").run()
    assert at.chat_input[0].placeholder == "Paste a claim to check against the myths…"
    ask(at, MYTH)
    user, bot = at.chat_message
    result = check(engine, MYTH)
    assert result.matched and result.myth == 10
    assert user.markdown[0].value == f":gray[Claim to check:]  \n{escape_md(MYTH)}"
    assert plain(bot.markdown[0].value) == result.message and result.message.startswith(f"This claim matches Myth 10: ‘{MYTH}’")
    turn = at.session_state["turns"][0]
    assert (turn.claim.myth, turn.claim.title, turn.answer.sentences, turn.answer.passages) == (10, MYTH, result.sentences, result.passages)
    assert {p.section for p in turn.answer.passages} == {"Why is it wrong?"}
    assert [plain(b.label) for b in at.sidebar.button if b.key and b.key.startswith("open-")] == [f"Claim: {MYTH}"]
    ask(at, "The moon is made of cheese")
    assert plain(at.chat_message[-1].markdown[0].value) == "No myth in the texts matches this claim. The closest passages are below."
    # A claim link reopens in claim mode.
    opened = _open(dict(parse_qsl(urlsplit(links.build(turn)).query)))
    assert opened.session_state["turns"][0].claim == turn.claim


def test_feedback_can_be_changed_and_the_last_choice_is_kept(at, tmp_path):
    ask(at, "Why is the myth wrong?")
    turn = at.session_state["turns"][0]

    def stored() -> list[tuple[str, str, str]]:
        return [(v.answer_id, v.verdict, v.comment) for v in FeedbackStore(tmp_path / "feedback.sqlite3").votes()]

    at.feedback(key=f"fb-{turn.id}").set_value(1).run()
    assert not at.checkbox and stored() == [(turn.id, "right", "")]  # the passage tick belongs to a thumbs down
    at.feedback(key=f"fb-{turn.id}").set_value(0).run()
    assert at.checkbox(key=f"fb-passage-{turn.id}").label == PASSAGE_LABEL and stored() == [(turn.id, "wrong", "")]
    at.checkbox(key=f"fb-passage-{turn.id}").check().run()
    assert stored() == [(turn.id, "right_passage", "")]
    at.text_input(key=f"fb-comment-{turn.id}").input("the second passage says it").run()
    assert stored() == [(turn.id, "right_passage", "the second passage says it")]
    conv = ConversationStore(tmp_path / "conversations.sqlite3").load(at.query_params["c"])
    assert conv.feedback[turn.id] == Feedback("right_passage", "the second passage says it")
    at.feedback(key=f"fb-{turn.id}").set_value(None).run()  # cleared: remembered with the conversation only
    assert stored() == [(turn.id, "right_passage", "the second passage says it")]
    assert at.session_state["feedback"][turn.id] == Feedback(None, "the second passage says it")


def test_a_spinner_runs_while_the_engine_answers(at, monkeypatch):
    shown: list[str] = []
    inside: list[bool] = []
    real_spinner, real_ask = st.spinner, Engine.ask

    @contextlib.contextmanager
    def spinner(text, **kw):
        shown.append(text)
        with real_spinner(text, **kw):
            yield
        shown.append("done")

    def ask_engine(self, *a, **k):
        inside.append(bool(shown) and shown[-1] != "done")
        return real_ask(self, *a, **k)

    monkeypatch.setattr(st, "spinner", spinner)
    monkeypatch.setattr(Engine, "ask", ask_engine)
    ask(at, "Why is the myth wrong?")
    assert shown == ["Searching the texts…", "done"] and inside == [True]
