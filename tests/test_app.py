"""The chat app, driven in-process with streamlit.testing.v1.AppTest against real indexes and the real model."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import layout
from core.artifacts import read_chunks
from ingest.build import run_ingest
from store.votes import FeedbackStore
from tests.conftest import HASH
from ui import identity, views
from ui.sources import LABEL_CHARS
from ui.transcript import to_json, to_markdown

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120  # the first run of a session loads an index; building one in-app takes longer

QUESTION = "Is China supplying Russia with arms to replace equipment lost in Ukraine?"
GOLD = "There is no evidence that China is helping Russia to replace the hardware it has lost in the war"

TINY = """Myth 90: ‘Submarines cannot be detected at sea’
Ada
Example
Research Fellow, Example Institute for Sonar Studies
Patient listening finds even quiet submarines.
What is the myth?
Many commentators believe that modern submarines cannot be detected at all once they dive.
Who advocates or subscribes to it?
Some bloggers print <script>alert('xss')</script> next to claims that <img src=x onerror=alert(1)> stealth is perfect, \
and link [the full story](javascript:alert(1)) as proof.
Why is it wrong?
Seabed hydrophone arrays have tracked quiet submarines across the Atlantic since the 1960s.
"""
EXTRA = """Myth 91: ‘Icebreakers are obsolete’
Bo
Example
Analyst, Example Polar Institute
Polar routes still need icebreakers.
Why is it wrong?
The northern sea route stays closed to ordinary freighters for most of the year without nuclear icebreaker escorts.
"""


def plain(md: str) -> str:
    """Markdown as the reader sees it: escapes removed, bold and our highlight directive unwrapped, marker links as [n]."""
    md = re.sub(r"\[(\\\[\d+\\\])\]\(#src-[0-9a-f]+-\d+\)", r"\1", md)
    md = re.sub(r":orange-background\[((?:\\.|[^\]])*)\]", r"\1", md.replace("**", ""))
    return re.sub(r"\\(.)", r"\1", md)


def expected_citation(index: Path, snippet: str) -> str:
    """The citation of the chunk that holds ``snippet``, read straight from the index files."""
    (chunk,) = [c for c in read_chunks(layout.resolve(index)) if snippet in c.text]
    return f"Myth {chunk.myth} · {chunk.section} · ¶{chunk.paragraph}"


@pytest.fixture
def app(monkeypatch, tmp_path, encoder):
    """Start the app against an index and corpus; the session's model is reused instead of loaded."""
    from ui import resources

    monkeypatch.setattr(resources, "_preloaded_encoder", encoder)
    monkeypatch.setenv("MYTHQA_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))  # the token file defaults beside it

    def start(index: Path, corpus: Path, operator: bool = True) -> AppTest:
        """``operator``: open the page with the operator token (ui.operator), as `make run` prints it."""
        from ui.operator import PARAM, ensure_token

        monkeypatch.setenv("MYTHQA_INDEX", str(index))
        monkeypatch.setenv("MYTHQA_CORPUS", str(corpus))
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        if operator:
            at.query_params[PARAM] = ensure_token(tmp_path / "operator.token")
        at.run()
        assert not at.exception, at.exception
        return at

    return start


@pytest.fixture
def tiny(tmp_path) -> tuple[Path, Path]:
    """A one-myth corpus indexed with the hash embedder (no model files needed)."""
    corpus = tmp_path / "tiny-corpus"
    corpus.mkdir()
    (corpus / "myth-90-sonar.txt").write_text(TINY, encoding="utf-8")
    index = tmp_path / "tiny-index"
    assert run_ingest(corpus, index, models=(HASH,), progress=False).exit_code == 0
    return corpus, index


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def sources(at: AppTest) -> list[str]:
    return [plain(e.label) for e in at.chat_message[-1].expander]


def citations(at: AppTest) -> list[str]:
    """The citation of every passage of the last answer, in rank order."""
    return [p.citation() for p in at.session_state["turns"][-1].answer.passages]


def hash_app(monkeypatch, tmp_path, index: Path) -> AppTest:
    """The app over an index embedded by the hash model (no model files), with databases of the test's own."""
    monkeypatch.setenv("MYTHQA_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv("MYTHQA_INDEX", str(index))
    monkeypatch.setenv("MYTHQA_CORPUS", str(ROOT / "corpus"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def test_first_visit_describes_the_corpus_and_offers_examples(app, shipped_index):
    at = app(shipped_index, ROOT / "corpus")
    intro = plain(at.markdown[0].value)
    assert intro.startswith("The corpus holds 1 expert myth text on Russian military power: Myth 10, ‘Russia and China are joining forces")
    examples = [b for b in at.button if b.key and b.key.startswith("example-")]
    assert [plain(b.label) for b in examples] == [
        "Who promotes the idea that Russia and China are joining forces militarily against the West?",
        "Why is the myth wrong?",
        "What would good policy look like?",
        "What is the impact of the myth on Western policy?",
    ]
    status = plain(at.sidebar.caption[0].value)
    assert status.startswith("1 myth · 1 document · 30 passages  \nModel all-MiniLM-L6-v2  \nBuilt ")
    assert not at.sidebar.warning  # the shipped corpus is what the index was built from


def test_question_gets_verbatim_answer_and_cited_sources(app, shipped_index):
    at = ask(app(shipped_index, ROOT / "corpus"), QUESTION)
    user, bot = at.chat_message
    assert (user.name, plain(user.markdown[0].value)) == ("user", QUESTION)
    assert bot.name == "assistant"
    turn = at.session_state["turns"][0]
    first_line = plain(bot.markdown[0].value).split("\n\n")[0]
    assert GOLD in first_line and first_line.endswith(" [1]")
    assert f"[\\[1\\]](#src-{turn.id}-1)" in bot.markdown[0].value  # the marker links to its source
    labels = sources(at)
    cited = turn.cited()
    assert len(turn.answer.passages) == 5 and cited == [0]
    head = f"[1] {expected_citation(shipped_index, GOLD)} — "
    assert labels[1:] == ["Other passages (4)"]
    assert labels[0].startswith(head + "There is no evidence that China") and labels[0].endswith("…")  # a one-line preview
    assert len(labels[0]) <= len("[1] ") + 3 + LABEL_CHARS + 1 and GOLD.startswith(labels[0][len(head) : -1])
    assert all(e.proto.expanded is False for e in bot.expander)  # compact: the answer stays in view
    passage = bot.expander[0].markdown[0].value
    assert ":orange-background[" in passage and GOLD in plain(passage)
    assert [h.proto.body for h in bot.expander[0].get("html")] == [f'<span id="src-{turn.id}-1"></span>']


def test_out_of_scope_question_abstains_with_collapsed_closest_passages(app, shipped_index):
    at = ask(app(shipped_index, ROOT / "corpus"), "What is the capital of France?")
    bot = at.chat_message[-1]
    assert ":blue-badge[" not in bot.markdown[0].value  # no answer sentences
    assert "Sources" not in [m.value for m in bot.markdown]
    (closest,) = bot.expander
    assert plain(closest.label) == "Closest passages (5), none of which answers the question"
    assert closest.proto.expanded is False
    assert len(at.feedback) == 1  # a refusal can be voted on too


def test_clicking_an_example_asks_it(app, shipped_index):
    at = app(shipped_index, ROOT / "corpus")
    at.button(key="example-1").click().run()
    assert not at.exception
    user, bot = at.chat_message
    assert plain(user.markdown[0].value) == "Why is the myth wrong?"
    assert citations(at)[0].startswith("Myth 10 · Why is it wrong? · ¶")
    assert at.query_params["c"] == at.session_state["conv"]  # the conversation now has an address
    assert not [b for b in at.button if b.key and b.key.startswith("example-")]  # the welcome is gone


def test_filters_and_number_of_sources(app, shipped_index):
    at = app(shipped_index, ROOT / "corpus")
    at.sidebar.slider(key="k").set_value(3)
    at.sidebar.selectbox(key="myth").select(10)
    at.sidebar.selectbox(key="section").select("What would good policy look like?")
    ask(at.run(), QUESTION)
    labels = citations(at)
    assert len(labels) == 3
    assert all(re.fullmatch(r"Myth 10 · What would good policy look like\? · ¶\d", label) for label in labels), labels
    captions = [plain(c.value) for c in at.chat_message[-1].caption]
    assert "Filtered to Myth 10 · What would good policy look like?" in captions


def test_feedback_is_stored_with_the_answer_and_index_version(app, shipped_index, tmp_path):
    at = ask(app(shipped_index, ROOT / "corpus"), QUESTION)
    turn = at.session_state["turns"][0]
    assert FeedbackStore(tmp_path / "feedback.sqlite3").votes() == []  # nothing is sent before a vote
    at.text_input(key=f"fb-comment-{turn.id}").input("exactly right")
    at.feedback(key=f"fb-{turn.id}").set_value(1).run()
    assert not at.exception
    assert plain(at.toast[0].value) == "Thank you: feedback saved (Right answer)."
    (vote,) = FeedbackStore(tmp_path / "feedback.sqlite3").votes()
    assert (vote.answer_id, vote.verdict, vote.comment, vote.question) == (turn.id, "right", "exactly right", QUESTION)
    assert vote.index_version == layout.current_version(shipped_index)
    assert vote.sentences == tuple(s.text for s in turn.answer.sentences) and GOLD in vote.sentences[0]
    assert [p["citation"] for p in vote.passages] == [p.citation() for p in turn.answer.passages]
    assert vote.passages[0]["citation"] == expected_citation(shipped_index, GOLD)


def test_older_turns_are_drawn_lighter_but_can_still_be_rated(app, shipped_index, tmp_path):
    at = app(shipped_index, ROOT / "corpus")
    for q in [QUESTION, "Why is the myth wrong?", "What would good policy look like?", "Who wrote it?", "Who promotes the myth?"]:
        ask(at, q)
    assert not [e for e in at.chat_message[1].expander if plain(e.label).startswith("Sources (")]
    ask(at, "What is the myth?")  # the sixth turn pushes the first out of the recent five
    first = at.chat_message[1]
    assert [plain(e.label) for e in first.expander] == ["Sources (5)"]
    compact = plain(first.expander[0].markdown[0].value)
    assert GOLD in compact
    turn = at.session_state["turns"][0]
    assert [h.proto.body for h in first.expander[0].get("html")][0] == f'<span id="src-{turn.id}-1"></span>'  # markers still land
    assert len(at.feedback) == 6  # every answer keeps its compact vote
    at.feedback(key=f"fb-{turn.id}").set_value(0).run()
    (vote,) = FeedbackStore(tmp_path / "feedback.sqlite3").votes()
    assert (vote.question, vote.verdict) == (QUESTION, "wrong")


def test_download_content_and_clear(app, shipped_index):
    at = ask(app(shipped_index, ROOT / "corpus"), QUESTION)
    ask(at, "What is the capital of France?")
    md_button, json_button = at.sidebar.get("download_button")
    assert (md_button.proto.label, json_button.proto.label, md_button.proto.disabled) == ("Markdown", "JSON", False)
    turns, votes = at.session_state["turns"], at.session_state["feedback"]
    doc = json.loads(to_json(turns, votes))
    assert [t["question"] for t in doc["turns"]] == [QUESTION, "What is the capital of France?"]
    assert [t["answered"] for t in doc["turns"]] == [True, False]
    citation = expected_citation(shipped_index, GOLD)
    assert doc["turns"][0]["answer"][0]["citation"] == citation and GOLD in doc["turns"][0]["answer"][0]["text"]
    assert all(p["citation"] for t in doc["turns"] for p in t["passages"])
    md = to_markdown(turns, votes)
    assert f"## 1. {QUESTION}" in md and f"1. {citation} — myth-10-russia-and-china-joining-forces.txt" in md
    assert "## 2. What is the capital of France?" in md
    assert md.count("Filter: none.") == 2
    conv = at.session_state["conv"]
    [b for b in at.sidebar.button if b.label == "New conversation"][0].click().run()
    assert not at.chat_message and at.session_state["turns"] == [] and "c" not in at.query_params
    assert [b.key for b in at.sidebar.button if b.key and b.key.startswith("open-")] == [f"open-{conv}"]  # still listed


def test_injected_markup_in_corpus_and_question_is_shown_literally(app, tiny):
    corpus, index = tiny
    at = ask(app(index, corpus), "Which bloggers say that stealth is perfect? <script>alert(2)</script>")
    bot = at.chat_message[-1]
    raw = "Some bloggers print <script>alert('xss')</script> next to claims that <img src=x onerror=alert(1)> stealth is perfect"
    assert raw in plain(bot.markdown[0].value)
    assert plain(at.chat_message[0].markdown[0].value).endswith("<script>alert(2)</script>")
    everything = [m for m in at.get("markdown")] + [c for c in at.get("caption")]
    for m in everything:  # every Markdown/HTML character of corpus or user text reaches the browser escaped
        assert not m.proto.allow_html
        assert not re.search(r"(?<!\\)<(script|img)|(?<!\\)\]\(javascript", m.value), m.value
    for e in at.get("expander"):
        assert not re.search(r"(?<!\\)<(script|img)|(?<!\\)\]\(javascript", e.label), e.label
    turn = at.session_state["turns"][0]
    # The only raw HTML on the page: the page's own style rules and cookie script (ui.identity: the session's secret,
    # nothing the visitor typed), and the empty anchor of each source, with an id made of the turn id and a number.
    anchors = [f'<span id="src-{turn.id}-{i + 1}"></span>' for i in turn.cited()]
    styles = [views.STYLE, identity.HIDE]  # style-only: Streamlit puts them after the page's elements
    assert [h.proto.body for h in at.get("html")] == [identity.script(at.session_state["visitor_key"]), *anchors, *styles]
    texts = [plain(m.value) for e in bot.expander for m in e.markdown]
    assert any("[the full story](javascript:alert(1))" in t for t in texts)


def test_reingested_index_is_used_without_restart(app, tiny):
    from ui import resources

    corpus, index = tiny
    at = app(index, corpus)
    before = layout.current_version(index)
    old = resources.engine(index)
    assert resources.engine(index) is old  # loaded once per process, not per run or session
    (corpus / "myth-91-ice.txt").write_text(EXTRA, encoding="utf-8")
    at.run()
    (warning,) = at.sidebar.warning
    assert "changed since this index was built (1 added)" in plain(warning.value)
    assert at.sidebar.code[0].value == f"python -m ingest --corpus {corpus} --index {index}"
    assert run_ingest(corpus, index, progress=False).exit_code == 0  # keeps the index's model
    assert layout.current_version(index) != before
    # A question that still holds the old engine gets a complete answer from the old version.
    assert old.version == before and old.ask("Which ships need icebreaker escorts?").passages[0].myth == 90
    ask(at, "Which ships need icebreaker escorts on the northern sea route?")
    assert citations(at)[0] == "Myth 91 · Why is it wrong? · ¶1"
    assert at.session_state["turns"][-1].index_version == layout.current_version(index)
    assert not at.sidebar.warning
    assert plain(at.sidebar.caption[0].value).startswith("2 myths · 2 documents · ")


def test_missing_index_is_built_in_app(app, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "myth-90-sonar.txt").write_text(TINY, encoding="utf-8")
    index = tmp_path / "fresh-index"
    at = app(index, corpus)
    assert layout.current_version(index) is not None
    assert plain(at.markdown[0].value).startswith("The corpus holds 1 expert myth text on Russian military power: Myth 90")


def test_empty_corpus_and_failures_give_short_messages(app, tmp_path, shipped_index, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    at = app(tmp_path / "no-index", empty)
    (error,) = at.error
    assert plain(error.value).startswith("Nothing usable was found in the corpus")
    from qa.engine import Engine

    def broken(self, *a, **k):
        raise RuntimeError("boom")

    at = app(shipped_index, ROOT / "corpus")
    monkeypatch.setattr(Engine, "ask", broken)
    ask(at, QUESTION)
    (error,) = at.error
    assert error.value == "Sorry, something went wrong while answering. The details are in the server log; please try again."
    assert not at.exception


def test_long_question_is_shortened_on_screen(app, shipped_index):
    question = "Why" + " is the myth wrong" * 600
    at = ask(app(shipped_index, ROOT / "corpus"), question)
    shown = plain(at.chat_message[0].markdown[0].value)
    assert len(question) == 10_803 and len(shown) < 700 and shown.endswith("… (10,803 characters)")
    assert at.chat_message[1].name == "assistant"


def test_shipped_corpus_copy_is_unchanged_then_changed(app, seed_corpus, shipped_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    at = app(index, seed_corpus)
    assert not at.sidebar.warning
    target = next(seed_corpus.iterdir())
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    at.run()
    assert "(1 changed)" in plain(at.sidebar.warning[0].value)


def test_engine_notices_are_shown_in_the_sidebar(app, shipped_index):
    """The shipped test index holds MiniLM alone while the profile weights mpnet too: the app says so."""
    at = app(shipped_index, ROOT / "corpus")
    captions = [plain(c.value) for c in at.sidebar.caption]
    assert "The settings weight model mpnet, which this index cannot use here; answering with minilm." in captions


def test_visitors_never_see_server_paths_nor_a_rebuild_button(app, hash_index, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(hash_index, copy)
    (layout.resolve(copy) / layout.MANIFEST).write_text("{ truncated")
    monkeypatch.setenv("MYTHQA_OPERATOR", "0")
    at = app(copy, ROOT / "corpus")
    (error,) = at.error
    assert plain(error.value) == (
        "The index cannot be used: it is damaged or was built by another version of this program. The operator has been told."
    )
    shown = [e.value for e in [*at.error, *at.caption, *at.markdown]]
    assert not at.button and not any(str(tmp_path) in plain(v) for v in shown)
    at = app(tmp_path / "none", ROOT / "corpus")  # nothing published: a visitor cannot start a build
    assert layout.current_version(tmp_path / "none") is None
    assert at.info[0].value.startswith("No index is published yet; the operator builds it")


def test_the_operator_proves_it_with_the_token(app, hash_index, tmp_path, monkeypatch):
    """The operator sees the damage and may rebuild, having opened the page once with the token; the token leaves the
    address; without it (the default: any visitor, behind a proxy too) nobody is the operator."""
    import shutil

    from ui.operator import PARAM, ensure_token

    copy = tmp_path / "index"
    shutil.copytree(hash_index, copy)
    (copy / layout.VERSIONS / layout.read_pointer(copy) / layout.MANIFEST).write_text("{ truncated")  # nothing to fall back to
    (copy / layout.POINTER).write_text("../../../etc\n")  # a pointer out of versions/ is never followed
    token_file = tmp_path / "operator.token"  # where the app fixture's feedback database puts it
    visitor = app(copy, ROOT / "corpus", operator=False)  # no token, served on loopback: still a visitor
    assert not visitor.button and "damaged or was built by another version" in plain(visitor.error[0].value)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params[PARAM] = "not-the-token"
    at.run()
    assert not at.button and PARAM not in at.query_params
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params[PARAM] = ensure_token(token_file)
    at.run()
    (error,) = at.error
    assert "The index is damaged: " in plain(error.value) and "does not hold a version name" in plain(error.value)
    assert [b.label for b in at.button] == ["Rebuild the index now"]
    assert PARAM not in at.query_params  # never left in the address bar
    at.run()  # the session stays the operator's
    assert [b.label for b in at.button] == ["Rebuild the index now"]
    monkeypatch.setenv("MYTHQA_OPERATOR", "0")  # powers off for everyone, token or not
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params[PARAM] = ensure_token(token_file)
    at.run()
    assert not at.button


def test_the_operator_token_file(tmp_path):
    import stat

    from core.settings import load
    from ui.operator import ensure_token, proves

    path = tmp_path / "sub" / "operator.token"
    token = ensure_token(path)
    assert len(token) >= 40 and ensure_token(path) == token  # made once, then read
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert proves(token, token) and not proves(token[:-1], token) and not proves("", token) and not proves(None, token)
    assert load({}).operator and not load({"MYTHQA_OPERATOR": "0"}).operator and load({"MYTHQA_OPERATOR": "1"}).operator
    assert not load({"MYTHQA_OPERATOR": "off"}).operator and load({"MYTHQA_OPERATOR": "yes"}).operator


def _long_conversation(app, tiny, tmp_path) -> AppTest:
    """The page of a visitor's stored conversation of 45 turns."""
    import hashlib

    from store.conversations import ConversationStore
    from tests.test_conversations import _turn

    corpus, index = tiny
    app(index, corpus)  # points the app at the tiny index
    conv = "c" * 32
    store = ConversationStore(tmp_path / "conversations.sqlite3")  # beside the app fixture's feedback database
    visitor = "e" * 32
    for i in range(45):
        store.add(conv, _turn(f"{i:032x}", f"Question number {i}?"), hashlib.sha256(visitor.encode()).hexdigest())
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["c"] = conv
    at.query_params["u"] = visitor  # the visitor whose conversation it is
    return at.run()


def _asked(at: AppTest) -> list[str]:
    return [plain(m.markdown[0].value) for m in at.chat_message if m.name == "user"]


def test_a_long_conversation_opens_with_its_latest_turns_and_pages_back(app, tiny, tmp_path):
    """45 stored turns: the page draws the last 20 and offers the rest 20 at a time; downloads hold all 45."""
    at = _long_conversation(app, tiny, tmp_path)
    asked = [m for m in at.chat_message if m.name == "user"]
    assert len(asked) == 20 and "Question number 25?" in plain(asked[0].markdown[0].value)
    (more,) = [b for b in at.button if b.label.startswith("Show ")]
    assert more.label == "Show 20 earlier turns (25 not shown)"
    more.click().run()
    assert len([m for m in at.chat_message if m.name == "user"]) == 40
    (more,) = [b for b in at.button if b.label.startswith("Show ")]
    assert more.label == "Show 5 earlier turns (5 not shown)"
    more.click().run()
    assert len([m for m in at.chat_message if m.name == "user"]) == 45 and not [b for b in at.button if b.label.startswith("Show ")]
    assert len(at.session_state["turns"]) == 45  # what the downloads are made of


def test_new_turns_add_to_the_page_instead_of_sliding_it(app, tiny, tmp_path):
    """Each turn keeps its place while the visitor asks on: the first turn drawn stays first (the browser shows the run
    before in each place until it is drawn again, so a sliding page would show other turns under the new answer)."""
    at = _long_conversation(app, tiny, tmp_path)
    new = ["Who wrote the first text?", "Who wrote the second text?"]
    for q in new:
        ask(at, q)
    asked = _asked(at)
    assert len(asked) == 22 and asked[0] == "Question number 25?" and asked[-2:] == new
    (more,) = [b for b in at.button if b.label.startswith("Show ")]
    assert more.label == "Show 20 earlier turns (25 not shown)"
    more.click().run()
    assert len(_asked(at)) == 42 and _asked(at)[0] == "Question number 5?"


def test_the_operator_runs_a_question_set_on_the_evaluation_page(app, hash_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(hash_index, index)  # the run is kept for the chart beside the index folder
    at = app(index, ROOT / "corpus")
    at.sidebar.toggle(key="evaluate").set_value(True).run()
    assert [s.label for s in at.main.selectbox] == ["Question set", "Questions"]
    assert "blind6.jsonl" not in at.selectbox(key="eval_set").options  # sealed: scored once, elsewhere
    at.selectbox(key="eval_split").set_value("tune").run()
    assert any("This version was tuned on all 52 of these questions" in plain(c.value) for c in at.main.caption)  # the profile's
    at.button[0].click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["questions"]) == ["tuned on: “tune”"]
    (count,) = [plain(m.value).strip("*") for m in at.main.markdown if "Failures:" in plain(m.value)]
    failures = int(count.split(": ")[1])
    assert failures > 0 and len(at.main.expander) == failures  # each failure opened up


def test_visitors_get_no_evaluation_page(app, hash_index):
    at = app(hash_index, ROOT / "corpus", operator=False)
    assert not [t for t in at.sidebar.toggle if t.label == "Evaluation page"]


def test_the_evaluation_page_compares_a_kept_earlier_version(app, hash_index, tmp_path):
    index, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(hash_index, index)
    shutil.copytree(ROOT / "corpus", corpus)
    earlier = layout.current_version(index)
    (corpus / "extra.txt").write_text("A short note about icebreakers in the Arctic and nothing else.\n", encoding="utf-8")
    assert run_ingest(corpus, index, models=(HASH,), progress=False).exit_code == 0
    at = app(index, corpus)
    at.sidebar.toggle(key="evaluate").set_value(True).run()
    at.selectbox(key="eval_split").set_value("tune").run()
    at.button[0].click().run()
    assert at.selectbox(key="eval_other").value == earlier  # shown by its date and what it was tuned on
    [b for b in at.main.button if b.label == "Compare"][0].click().run()
    assert not at.exception
    rows = at.main.dataframe[-1].value
    assert list(rows["questions"]) == ["tuned on: “tune”"] and all("→" in v for v in rows["top-1"])
    said = [plain(m.value) for m in at.main.markdown]
    assert any(t.startswith("Fixed (") for t in said) and any(t.startswith("Broke (") for t in said)
