"""The chat page for its readers: citations numbered as read, a dangling first sentence shown after its context, and
shares that show the shared answer alone (no earlier question's words)."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from qa.types import Answer, AnswerSentence, Passage
from store.conversations import ConversationStore
from store.turn import Turn
from tests.test_app import APP, TIMEOUT, ask, hash_app, plain
from tests.test_identity import browser
from ui import links, sources
from ui.actions import OOPS
from ui.lead import LABEL, Lead, lead, refers_back
from ui.transcript import plain_text, to_markdown
from ui.views import FOLLOW_UP_LINK, SHARE

FIRST, EARLIER = "Is China supplying Russia with arms?", "And what about India?"
READING = "Is India supplying Russia with arms?"  # the follow-up's standalone reading (tests/test_conversations.py)
P0 = "Russia sells arms to China. This applies to S-400 systems. Deliveries resumed in 2018."


def _passage(rank: int, text: str, paragraph: int) -> Passage:
    return Passage(rank, 1.0 / rank, text, rank, 10, "T", "A", "Why is it wrong?", paragraph, "m.txt", None)


def _turn(*said: tuple[str, int, int], passages: tuple[str, ...] = (P0, "India buys.", "Nobody else.", "Unused.")) -> Turn:
    """A turn whose sentences are (text, passage index, start offset), over passages ranked in the order given."""
    sentences = tuple(AnswerSentence(t, p, start, start + len(t), 0.5) for t, p, start in said)
    ps = tuple(_passage(i + 1, text, i + 3) for i, text in enumerate(passages))
    return Turn("f" * 32, Answer("Who sells arms?", True, "", sentences, ps), "v1", 5.0)


# --- citation numbers follow the reading order ---

SCRAMBLED = _turn(("India buys.", 1, 0), ("Nobody else.", 2, 0), ("Deliveries resumed in 2018.", 0, 59))


def test_markers_read_one_two_three_down_the_answer():
    assert SCRAMBLED.numbers() == {1: 1, 2: 2, 0: 3, 3: 4}
    assert re.findall(r"\\\[(\d)\\\]\]\(#src-f{32}-(\d)\)", sources.answer_markdown(SCRAMBLED)) == [("1", "2"), ("2", "3"), ("3", "1")]
    assert plain_text(SCRAMBLED).splitlines()[1:6] == [
        "India buys. [1] Nobody else. [2] Deliveries resumed in 2018. [3]",
        "",
        "Sources:",
        "[1] Myth 10 · Why is it wrong? · ¶4 — A, ‘T’ — m.txt",
        "[2] Myth 10 · Why is it wrong? · ¶5 — A, ‘T’ — m.txt",
    ]
    assert plain(sources.preview(SCRAMBLED, 0, False)).startswith("[3] Myth 10 · Why is it wrong? · ¶3 — ")


def test_the_markdown_download_numbers_and_lists_sources_as_read():
    md = to_markdown([SCRAMBLED], {})
    assert re.findall(r"^> .* \[(\d)\]$", md, flags=re.M) == ["1", "2", "3"]
    assert re.findall(r"^(\d)\. Myth 10 · Why is it wrong\? · ¶(\d)", md, flags=re.M) == [("1", "4"), ("2", "5"), ("3", "3"), ("4", "6")]


# --- a first sentence that leans on the one before ---


def test_words_that_refer_back_open_the_sentence():
    assert [refers_back(s) for s in ("This applies.", "“These are", "It's so.", "They said", "Such arms", "Thistle grows.")] == [
        True,
        True,
        True,
        True,
        True,
        False,
    ]
    assert not refers_back("Items sold.") and not refers_back("There is no evidence.") and not refers_back("1990s: this")


def test_a_dangling_first_sentence_comes_after_its_context_marked_and_cited():
    turn = _turn(("This applies to S-400 systems.", 0, 28), ("India buys.", 1, 0))
    assert lead(turn) == Lead("Russia sells arms to China.", 0, 0, 27)
    first, second, third = sources.answer_markdown(turn).split("\n\n")
    marker = f"[\\[1\\]](#src-{'f' * 32}-1)"
    assert first == f":gray[**Context\\, the sentence before\\:** Russia sells arms to China\\.] {marker}"
    assert plain(second) == "This applies to S-400 systems. [1]" and plain(third) == "India buys. [2]"
    said = "(Context, the sentence before: Russia sells arms to China. [1]) This applies to S-400 systems. [1] India buys. [2]"
    assert plain_text(turn).splitlines()[1] == said
    assert "> *Context, the sentence before:* Russia sells arms to China. [1]" in to_markdown([turn], {})
    assert LABEL == "Context, the sentence before:"
    assert turn.answer.sentences[0].text == "This applies to S-400 systems."  # the engine's sentences are unchanged


def test_no_context_when_none_is_needed_or_none_is_there():
    assert lead(_turn(("Deliveries resumed in 2018.", 0, 59))) is None  # does not refer back
    assert lead(_turn(("This is all.", 1, 0), passages=(P0, "This is all."))) is None  # opens its passage
    assert lead(_turn(("This applies to S-400 systems.", 0, 28), ("Russia sells arms to China.", 0, 0))) is None  # already shown
    unanswered = _turn(("This applies to S-400 systems.", 0, 28))
    assert lead(Turn(unanswered.id, Answer("?", False, "No.", (), unanswered.answer.passages), "v1", 1.0)) is None


# --- shares show only the shared answer ---


def _everything(at: AppTest) -> str:
    """All the text a page shows: markdown, captions, code, expander labels and toasts."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [c.value for c in at.code]
    return plain(" ".join(parts + [e.label for e in at.expander] + [t.value for t in at.toast]))


def test_a_shared_follow_up_shows_the_question_as_typed_and_its_answer_alone(monkeypatch, tmp_path, hash_index):
    a = ask(ask(hash_app(monkeypatch, tmp_path, hash_index), FIRST), EARLIER)
    follow = a.session_state["turns"][-1]
    assert follow.answer.understood_as == READING and links.build(follow) is None  # no link re-asks the reading
    bot = a.chat_message[-1]
    assert FOLLOW_UP_LINK in [c.value for c in bot.caption] and len(bot.code) == 1 and "q=" not in bot.code[0].value
    a.button(key=f"share-{follow.id}").click().run()
    share_id = a.session_state["shares"][follow.id]
    link, text = [c.value for c in a.chat_message[-1].code]
    assert link == f"?{SHARE}={share_id}" and text.endswith(f"\nLink: ?{SHARE}={share_id}") and READING not in text
    stored = ConversationStore(tmp_path / "conversations.sqlite3").shared(share_id)
    assert stored.answer.understood_as is None and stored.answer.read_against is None and stored.typed == EARLIER
    assert stored.answer.sentences == follow.answer.sentences
    browser(monkeypatch, None)
    b = AppTest.from_file(APP, default_timeout=TIMEOUT)
    b.query_params[SHARE] = share_id
    b.run()
    assert [plain(m.markdown[0].value) for m in b.chat_message] == [EARLIER, plain(a.chat_message[-1].markdown[0].value)]
    shown = _everything(b)
    assert EARLIER in shown and "A shared answer, read-only" in shown  # what the page shows is read here
    assert FIRST not in shown and READING not in shown and "Understood as" not in shown and "Read against" not in shown


def test_a_share_stored_with_its_reading_is_shown_without_it(monkeypatch, tmp_path, hash_index):
    a = ask(ask(hash_app(monkeypatch, tmp_path, hash_index), FIRST), EARLIER)
    old = ConversationStore(tmp_path / "conversations.sqlite3").share(a.session_state["turns"][-1])  # as shares were kept before
    b = AppTest.from_file(APP, default_timeout=TIMEOUT)
    b.query_params[SHARE] = old
    b.run()
    assert len(b.chat_message) == 2 and EARLIER in _everything(b)
    assert READING not in _everything(b) and FIRST not in _everything(b)


def test_a_standalone_question_still_links_to_itself():
    turn = _turn(("India buys.", 1, 0))
    assert links.build(turn, "http://h/") == "http://h/?q=Who+sells+arms%3F&k=5&v=v1"
    assert links.shareable(turn) == turn


# --- a new answer is drawn before the turns above it; the page still reads in order ---


def _asked(at: AppTest) -> list[str]:
    return [plain(m.markdown[0].value) for m in at.chat_message if m.name == "user"]


def test_turns_read_in_the_order_asked_and_survive_a_failed_answer(monkeypatch, tmp_path, hash_index):
    from ui import actions

    at = hash_app(monkeypatch, tmp_path, hash_index)
    questions = ["Who wrote the text?", "Why is the myth wrong?", "What should NATO do?"]
    for q in questions:
        ask(at, q)
    assert _asked(at) == questions
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 3

    def broken(*args, **kwargs):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(actions, "answer", broken)
    at.chat_input[0].set_value("Who advocates the myth?").run()
    assert _asked(at) == questions + ["Who advocates the myth?"]  # the earlier turns are drawn even so
    assert [e.value for e in at.error] == [OOPS.format("showing this page")]
