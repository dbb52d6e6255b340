"""The evaluation page's other views, driven with AppTest: the review queue of votes and the chart across versions."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.profile import DEFAULT
from evaluate import history, review, run
from evaluate.run import load_questions
from ingest.build import run_ingest
from qa.engine import Engine
from store.votes import FeedbackStore
from tests.conftest import HASH
from tests.test_app import plain

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Is China supplying Russia with arms to replace equipment lost in Ukraine?"


@pytest.fixture
def open_page(monkeypatch, tmp_path):
    """The app as the operator (token in the address), on the evaluation page's view ``view``."""
    from ui.operator import PARAM, ensure_token

    monkeypatch.setenv("MYTHQA_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv("MYTHQA_CORPUS", str(ROOT / "corpus"))

    def start(index: Path, view: str) -> AppTest:
        monkeypatch.setenv("MYTHQA_INDEX", str(index))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params[PARAM] = ensure_token(tmp_path / "operator.token")
        at.run()
        at.sidebar.toggle(key="evaluate").set_value(True).run()
        at.segmented_control(key="eval_view").set_value(view).run()
        assert not at.exception, at.exception
        return at

    return start


def test_a_thumbs_down_vote_is_accepted_with_a_sentence_picked_from_its_sources(open_page, hash_index, tmp_path, monkeypatch):
    out = tmp_path / "reviewed.jsonl"
    monkeypatch.setattr(run, "REVIEWED", out)
    engine = Engine.load(hash_index)
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.record("a-wrong", engine.ask(QUESTION), "wrong", "not what the text says", engine.version)
    store.record("a-other", engine.ask("Who wrote the text?"), "right_passage", "", engine.version)
    at = open_page(hash_index, "Review votes")
    assert any("2 thumbs-down vote(s) wait for review" in plain(c.value) for c in at.main.caption)
    assert [plain(e.label).split(" · ")[1] for e in at.main.expander] == ["Who wrote the text?", QUESTION]
    at.button[0].click().run()  # accept with nothing picked: told what to do, nothing written
    assert "Tick the sentence" in plain(at.warning[0].value) and not out.exists()
    boxes = [c for c in at.main.checkbox if c.key.startswith("rv-2-0-")]
    picked = plain(boxes[0].label).removeprefix("▸ ")
    boxes[0].check()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert plain(at.success[0].value).startswith("Added rv-a-other to reviewed.jsonl")
    assert [plain(e.label).split(" · ")[1] for e in at.main.expander] == [QUESTION]  # left the queue
    (q,) = load_questions(out)
    assert q.question == "Who wrote the text?" and q.gold == (" ".join(picked.split()),)
    assert [x.id for x in load_questions(run.default_sets()[-1])] == ["rv-a-other"]  # what evaluate and learn.tune read
    [b for b in at.button if b.label == "Dismiss"][0].click().run()
    assert plain(at.success[0].value) == "Dismissed." and not at.main.expander


def test_the_chart_across_versions_scores_the_kept_versions(open_page, tmp_path):
    index, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    # Two versions of a profile fitted without the second-myth set (the shipped one learnt from it: it is in-sample there).
    profile = replace(DEFAULT, name="without myth2", trained_splits=tuple(s for s in DEFAULT.trained_splits if s != "myth2"))
    assert run_ingest(corpus, index, models=(HASH,), profile=profile, progress=False).exit_code == 0
    (corpus / "extra.txt").write_text("A short note about icebreakers in the Arctic and nothing else.\n", encoding="utf-8")
    assert run_ingest(corpus, index, models=(HASH,), progress=False).exit_code == 0
    at = open_page(index, "Across versions")
    at.selectbox(key="hist_set").set_value("second_myth.jsonl").run()
    said = "No figures on second_myth.jsonl are recorded yet: run it on the first view, or score the kept versions."
    assert plain(at.info[0].value) == said
    (score,) = [b for b in at.button if b.label.startswith("Score 2 kept version")]
    score.click().run()
    assert not at.exception, at.exception
    rows = at.main.dataframe[0].value
    assert list(rows["version"]) == sorted(e["version"] for e in history.entries(index)) and len(rows) == 2
    assert all(n == 52 for n in rows["answerable"])  # every answerable question of the fixture, none in-sample
    assert set(rows["questions"]) == {"unseen (fair test)"}
    assert all(t.startswith("no tuned query encoder; answer model fitted on") for t in rows["tuned on"])
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["mark"]["point"] is True and spec["encoding"]["x"]["field"] == "version"  # one point per version


def test_a_set_the_index_learnt_from_is_charted_as_optimistic(open_page, hash_index, tmp_path, monkeypatch):
    from ui import evaluation

    index = tmp_path / "index"
    shutil.copytree(hash_index, index)
    (tmp_path / "eval").mkdir()
    dev = [q for q in load_questions(run.QUESTIONS) if q.split == "tune" and not q.out_of_scope][:8]  # a trained split
    (tmp_path / "eval" / "dev.jsonl").write_text(
        "".join(json.dumps({"id": q.id, "question": q.question, "gold": list(q.gold), "split": q.split}) + "\n" for q in dev)
    )
    monkeypatch.setattr(evaluation, "ROOT", tmp_path)
    at = open_page(index, "Across versions")
    [b for b in at.button if b.label.startswith("Score 1 kept version")][0].click().run()
    assert not at.exception, at.exception
    (entry,) = history.entries(index)
    assert (entry["basis"], entry["answerable"]) == ("in-sample", 8)
    rows = at.main.dataframe[0].value
    assert list(rows["questions"]) == ["tuned on them (optimistic)"]
    (chart,) = at.get("vega_lite_chart")
    assert {"field": "questions", "type": "nominal"} in json.loads(chart.proto.spec)["encoding"]["tooltip"]  # basis in the tooltip
    assert not [b for b in at.button if b.label.startswith("Score ")]  # scored: not offered again


def test_a_run_from_the_page_is_labelled_for_its_readers_and_charted(open_page, hash_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(hash_index, index)
    at = open_page(index, "Run a set")
    at.selectbox(key="eval_set").set_value(run.QUESTIONS).run()
    box = at.selectbox(key="eval_split")
    assert box.format_func("blind2") == "tuned on: “blind2”" and box.format_func("all") == "all questions (tuned on)"
    box.set_value("blind3").run()
    captions = [plain(c.value) for c in at.main.caption]
    assert any("66 questions, asked of the published version (" in c and "no tuned query encoder; answer model" in c for c in captions)
    assert any("This version was tuned on all 66 of these questions, so its scores on them are optimistic" in c for c in captions)
    [b for b in at.button if b.label == "Run"][0].click().run()
    assert not at.exception, at.exception
    by_split, by_kind = at.main.dataframe[0].value, at.main.dataframe[1].value
    assert list(by_split["questions"]) == ["tuned on: “blind3”"]  # one split: no "all" row repeating it
    assert "kind" in by_kind.columns and "split" not in by_kind.columns
    oos = by_kind[by_kind["kind"] == "out of scope"].iloc[0]
    assert oos["top-1"] == "—" and re.fullmatch(r"\d+ of 16 \(\d+ %\)", oos["unanswerable refused"])  # a rate, not a top-1 of 0
    assert any("marked as tuned on these questions (optimistic)" in plain(c.value) for c in at.main.caption)
    follow_ups = [e for e in at.main.expander if e.label.split(" · ")[0] in {q.id for q in load_questions(run.QUESTIONS) if q.follows}]
    assert follow_ups and all(plain(e.markdown[0].value).startswith("Asked after: “") for e in follow_ups)
    at.segmented_control(key="eval_view").set_value("Across versions").run()
    assert at.selectbox(key="hist_split").value == "blind3"  # the split just run opens first, with its chart
    rows = at.main.dataframe[0].value
    assert list(rows["questions"]) == ["tuned on them (optimistic)"] and list(rows["answerable"]) == [50]  # 46, and 4 follow-ups


def test_the_votes_a_filter_shows_are_dismissed_at_once_after_a_confirmation(open_page, hash_index, tmp_path):
    engine = Engine.load(hash_index)
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    answer = engine.ask(QUESTION)
    for n in range(3):
        store.record(f"junk-{n}", replace(answer, question=f"spam {n}"), "wrong", "", engine.version)
    store.record("real", answer, "wrong", "", engine.version)
    at = open_page(hash_index, "Review votes")
    at.text_input(key="rv-filter").input("SPAM").run()
    assert "3 of 4 waiting vote(s) match." in [c.value for c in at.main.caption]
    assert [plain(e.label).split(" · ")[1] for e in at.main.expander] == ["spam 2", "spam 1", "spam 0"]
    at.button(key="rv-bulk").click().run()
    assert plain(at.warning[0].value).startswith("Dismiss 3 vote(s)? They leave the queue") and len(review.waiting(store)) == 4
    at.button(key="rv-bulk-yes").click().run()
    assert not at.exception, at.exception
    assert plain(at.success[0].value) == "Dismissed 3 vote(s)."
    assert [v.answer_id for v in review.waiting(store)] == ["real"]
    at.text_input(key="rv-filter").input("").run()
    assert [plain(e.label).split(" · ")[1] for e in at.main.expander] == [QUESTION]
    at.button(key="rv-bulk").click().run()
    at.button(key="rv-bulk-no").click().run()  # cancelled: nothing dismissed
    assert [v.answer_id for v in review.waiting(store)] == ["real"] and not at.warning
