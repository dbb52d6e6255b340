"""The review queue of askers' votes (evaluate.review) and the quality record across versions (evaluate.history)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from core.errors import BadInput
from evaluate import history, review, run
from evaluate.__main__ import main as evaluate_main
from evaluate.run import Report, evaluate, load_questions
from ingest.build import run_ingest
from learn.tune.checks import check_files
from qa.engine import Engine
from store.votes import FeedbackStore
from tests.conftest import HASH

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Is China supplying Russia with arms to replace equipment lost in Ukraine?"


@pytest.fixture(scope="module")
def engine(hash_index):
    return Engine.load(hash_index)


@pytest.fixture
def voted(engine, tmp_path):
    """A store with one vote of each verdict on real answers of the hash index."""
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    for n, verdict in enumerate(("right", "wrong", "right_passage")):
        answer = engine.ask(f"{QUESTION} ({n})")
        store.record(f"answer-{n}", answer, verdict, "the source says otherwise" if n == 1 else "", engine.version)
    return store


def test_the_queue_holds_thumbs_down_votes_newest_first(voted):
    assert [v.verdict for v in review.waiting(voted)] == ["right_passage", "wrong"]
    assert review.waiting(voted)[1].comment == "the source says otherwise"


def test_sources_are_the_passages_shown_split_as_the_index_splits_them(engine, voted):
    vote = review.waiting(voted)[0]
    got = review.sources(engine, vote)
    assert [s.uid for s in got] == [p["uid"] for p in vote.passages] and not any(s.changed for s in got)
    chunk = engine.index.chunks[engine.by_uid[got[0].uid]]
    assert all(s in chunk.text for s in got[0].sentences) and len(got[0].sentences) == len(chunk.sentences)
    gone = replace(vote, passages=({**vote.passages[0], "uid": "no-such-uid"},))
    assert review.sources(engine, gone)[0].sentences == () and review.sources(engine, gone)[0].changed


def test_an_accepted_vote_becomes_a_question_that_tune_and_evaluate_read(engine, voted, tmp_path, monkeypatch):
    out = tmp_path / "reviewed.jsonl"
    monkeypatch.setattr(run, "REVIEWED", out)
    assert run.default_sets() == [run.QUESTIONS]  # no file yet: the set is questions.jsonl alone
    vote = review.waiting(voted)[0]
    right = review.sources(engine, vote)[0].sentences[0]
    row = review.accept(voted, vote, [right])
    assert row["id"] == "rv-answer-2" and row["split"] == "reviewed" and row["gold"] == [" ".join(right.split())]
    assert run.default_sets() == [run.QUESTIONS, out]
    (q,) = load_questions(out)
    assert (q.id, q.question, q.out_of_scope, q.split) == ("rv-answer-2", f"{QUESTION} (2)", False, "reviewed")
    assert check_files([out]) == 1  # learn.tune accepts it as a training question
    assert [v.verdict for v in review.waiting(voted)] == ["wrong"]
    assert review.accept(voted, vote, [right]) is None and len(load_questions(out)) == 1  # reviewed once, never twice
    voted.record(vote.answer_id, engine.ask(f"{QUESTION} (2)"), "wrong", "", engine.version)  # a changed vote stays reviewed
    assert [v.verdict for v in review.waiting(voted)] == ["wrong"]


def test_a_refusal_is_a_question_too_and_a_choice_is_required(voted, tmp_path):
    vote = review.waiting(voted)[1]
    with pytest.raises(BadInput, match="Tick the sentence"):
        review.question_row(vote, [])
    with pytest.raises(BadInput, match="not both"):
        review.question_row(vote, ["A sentence of the sources."], out_of_scope=True)
    row = review.accept(voted, vote, [], out_of_scope=True, path=tmp_path / "r.jsonl")
    assert row["out_of_scope"] is True and row["gold"] == [] and load_questions(tmp_path / "r.jsonl")[0].out_of_scope


def test_a_question_already_in_the_set_is_not_added_twice(voted, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "REVIEWED", tmp_path / "reviewed.jsonl")
    first = load_questions(run.QUESTIONS)[0]
    vote = replace(review.waiting(voted)[0], question="  " + first.question.upper())
    with pytest.raises(BadInput, match=f"in the set already \\({first.id} in questions.jsonl\\)"):
        review.accept(voted, vote, ["Some sentence that answers it."])
    assert review.waiting(voted)[0].id == vote.id and not run.REVIEWED.exists()  # still waiting, nothing written


def test_a_follow_up_is_accepted_as_its_standalone_reading(voted):
    vote = replace(review.waiting(voted)[0], question="And why?", understood_as="Why is China not arming Russia?")
    assert review.question_row(vote, ["Some sentence that answers it."])["question"] == "Why is China not arming Russia?"


def test_a_failed_write_leaves_the_vote_in_the_queue(voted, tmp_path):
    vote = review.waiting(voted)[0]
    with pytest.raises(OSError):
        review.accept(voted, vote, ["Some sentence that answers it."], path=tmp_path)  # a folder: cannot be appended to
    assert review.waiting(voted)[0].id == vote.id
    assert review.dismiss(voted, vote) is True and review.dismiss(voted, vote) is False
    assert [v.id for v in review.waiting(voted)] == [review.waiting(voted)[0].id] and vote.id not in [v.id for v in review.waiting(voted)]


def _report(split: str, top1: float, n: int = 10) -> Report:
    return Report("fused", split, n, 2, top1, 0.9, 0.7, 0.6, 0.6, 1, 1.0, 0.5, 1, 30.0, 50.0)


def test_history_keeps_unseen_figures_or_marks_in_sample_runs_latest_per_version(tmp_path):
    index, qs = tmp_path / "index", tmp_path / "set.jsonl"
    qs.write_text("{}\n", encoding="utf-8")
    assert history.record(index, "20261206T100000000000-aa", [qs], [_report("all", 0.5), _report("in-sample", 0.9)])["basis"] == "in-sample"
    history.record(index, "20261206T100000000000-aa", [qs], [_report("all", 0.5), _report("unseen", 0.4)])
    history.record(index, "20261205T090000000000-bb", [qs], [_report("all", 0.3)])
    history.record(index, "20261206T100000000000-aa", [qs], [_report("all", 0.55)])
    with history.ledger_path(index).open("a") as f:
        f.write('{"damaged": \n')
    rows = history.series(index, "set.jsonl")
    assert [(e["version"][:8], e["top1"]) for e in rows] == [("20261205", 0.3), ("20261206", 0.55)]
    assert history.ledger_path(index) == tmp_path / "quality.jsonl"
    assert "0.550" in history.table(rows) and history.series(index, "other.jsonl") == []


def test_evaluate_cli_records_unseen_figures_and_reads_reviewed_questions(hash_index, tmp_path, monkeypatch, capsys):
    index = tmp_path / "index"
    shutil.copytree(hash_index, index)
    out = tmp_path / "reviewed.jsonl"
    gold = "There is no evidence that China is helping Russia to replace the hardware it has lost in the war"
    out.write_text(json.dumps({"id": "rv-1", "question": QUESTION, "gold": [gold], "split": "reviewed"}) + "\n")
    monkeypatch.setattr(run, "REVIEWED", out)
    assert evaluate_main(["--index", str(index), "--split", "reviewed"]) == 0
    said = capsys.readouterr().out
    assert f"questions from {run.QUESTIONS}, {out}" in said and "Unseen figures recorded" in said
    (entry,) = history.entries(index)
    assert entry["set"] == "questions.jsonl+reviewed.jsonl" and (entry["answerable"], entry["basis"]) == (1, "unseen")


def test_kept_versions_are_scored_and_charted(hash_index, tmp_path):
    from ui.quality import chart, label

    index, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(hash_index, index)
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "extra.txt").write_text("A short note about icebreakers in the Arctic and nothing else.\n", encoding="utf-8")
    assert run_ingest(corpus, index, models=(HASH,), progress=False).exit_code == 0
    questions = load_questions(ROOT / "eval" / "second_myth.jsonl")[:12]
    path = tmp_path / "second_myth.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": q.id, "question": q.question, "gold": list(q.gold), "out_of_scope": q.out_of_scope, "split": "fresh"}) + "\n"
            for q in questions
        )
    )
    from core import layout

    for version in layout.kept_versions(index):
        history.record(index, version, [path], evaluate(Engine.load(index, version=version), load_questions(path)))
    rows = history.series(index, "second_myth.jsonl")
    assert [e["version"] for e in rows] == layout.kept_versions(index) and len(rows) == 2
    spec = chart(rows).to_dict()
    assert spec["mark"]["point"] is True and len(spec["data"]["values"]) == 4
    assert label("20261206T205319123456-abcd1234") == "12-06 20:53:19" and label("custom") == "custom"


def test_votes_matching_a_filter_are_dismissed_in_one_call(engine, tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    answer = engine.ask(QUESTION)
    for n in range(7):  # a script's junk, and two real votes
        store.record(f"junk-{n}", replace(answer, question=f"BUY  cheap pills {n}"), "wrong", "", engine.version)
    store.record("real-1", answer, "wrong", "cheap shot at the text", engine.version)
    store.record("real-2", replace(answer, question="Who wrote it?"), "right_passage", "", engine.version)
    waiting = review.waiting(store)
    assert [v.answer_id for v in review.matching(waiting, "buy CHEAP")] == [f"junk-{n}" for n in reversed(range(7))]
    assert [v.answer_id for v in review.matching(waiting, "cheap")] == ["real-1"] + [f"junk-{n}" for n in reversed(range(7))]
    assert [v.answer_id for v in review.matching(waiting, "", "right_passage")] == ["real-2"]
    assert review.dismiss_all(store, review.matching(waiting, "buy cheap")) == 7
    assert [v.answer_id for v in review.waiting(store)] == ["real-2", "real-1"]
    assert review.dismiss_all(store, waiting) == 2  # the 7 were dismissed already: only the 2 still waiting count
    assert review.waiting(store) == []
