"""JSON-lines files survive any text (core.jsonl): line breaks inside strings are escaped on write, rows are split on
"\\n" alone on read, a log skips a bad row and says where, a definition refuses it — and a question holding a Unicode line
separator goes from a vote to tuning and evaluation."""

from __future__ import annotations

import json
import shutil

import pytest

from core import jsonl
from core.errors import BadInput
from evaluate import review, run
from evaluate.__main__ import main as evaluate_main
from evaluate.run import load_questions
from learn.tune.checks import check_files
from qa.engine import Engine
from store.votes import FeedbackStore

BREAKS = "a\u2028b\u2029c\u0085d\ne\rf\x0bg\x1ch"


def test_any_text_round_trips_one_row_per_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"id": 1, "question": BREAKS}, {"id": 2, "question": "plain ‘quoted’ text"}]
    jsonl.write(path, rows)
    jsonl.append(path, {"id": 3, "question": BREAKS})
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 3  # even a reader splitting on every Unicode line break sees three rows
    assert "‘quoted’" in text  # non-ASCII text stays as written
    assert [row for _, row in jsonl.read(path).rows] == [*rows, {"id": 3, "question": BREAKS}]


def test_a_log_skips_a_bad_row_and_a_definition_refuses_it(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"id": 1}\n{"id": 2, broken\n\n[1, 2]\n{"id": 3}\n', encoding="utf-8")
    got = jsonl.read(path, log=True)
    assert [n for n, _ in got.rows] == [1, 5]
    why = "Expecting property name enclosed in double quotes: line 1 column 11 (char 10)"
    assert got.skipped == [f"{path}:2: not valid JSON ({why}); skipped", f"{path}:4: each line must be one JSON object; skipped"]
    with pytest.raises(BadInput, match=f"{path}:2: not valid JSON"):
        jsonl.read(path)


def test_a_raw_line_separator_written_by_an_older_version_still_reads(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "a\u2028b"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert jsonl.read(path).rows == [(1, {"id": "x", "question": "a\u2028b"})]


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\u2029"])
def test_a_voted_question_holding_a_line_separator_is_accepted_trained_on_and_evaluated(
    hash_index, tmp_path, monkeypatch, capsys, separator
):
    index = tmp_path / "index"
    shutil.copytree(hash_index, index)
    engine = Engine.load(index)
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    question = f"Is China supplying Russia with arms?{separator}Asked by a visitor"
    store.record("answer-1", engine.ask(question), "wrong", "", engine.version)
    (vote,) = review.waiting(store)
    out = tmp_path / "reviewed.jsonl"
    monkeypatch.setattr(run, "REVIEWED", out)
    right = review.sources(engine, vote)[0].sentences[0]
    assert review.accept(store, vote, [right])["question"] == question
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    (q,) = load_questions(out)
    assert q.question == question
    assert check_files([out]) == 1  # learn.tune trains on it
    assert evaluate_main(["--index", str(index), "--split", "reviewed"]) == 0
    assert "reviewed" in capsys.readouterr().out
