"""The command-line contract of `python -m qa`: JSON lines in stdin batch mode, and the readable form."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.question import MAX_QUESTION_CHARS
from qa.types import STATUSES

ROOT = Path(__file__).resolve().parent.parent
PASSAGE_FIELDS = {
    "rank": int,
    "score": float,
    "text": str,
    "myth": (int, type(None)),
    "title": (str, type(None)),
    "author": (str, type(None)),
    "section": (str, type(None)),
    "paragraph": (int, type(None)),
    "source": str,
    "page": (int, type(None)),
}


@pytest.fixture(scope="module")
def engine(shipped_index, encoder):
    from qa.engine import Engine

    return Engine.load(shipped_index, encoders={"minilm": encoder})


def _run(args, stdin=""):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "qa", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def _check_object(obj):
    assert set(obj) == {"question", "answered", "status", "message", "answer", "passages"}
    assert isinstance(obj["question"], str) and isinstance(obj["answered"], bool) and isinstance(obj["message"], str)
    assert obj["status"] in STATUSES and (obj["status"] == "answered") == obj["answered"]
    for p in obj["passages"]:
        assert set(p) == set(PASSAGE_FIELDS)
        for name, kind in PASSAGE_FIELDS.items():
            assert isinstance(p[name], kind), (name, p[name])
    for s in obj["answer"]:
        assert set(s) == {"text", "passage"} and isinstance(s["text"], str) and isinstance(s["passage"], int)
        assert s["text"] in obj["passages"][s["passage"]]["text"]


def test_json_batch_from_stdin(shipped_index):
    questions = ["Which drone company stopped selling to Russia?", "", "What is the capital of France?", "Who wrote it? 🙂", "x " * 6000]
    r = _run(["--index", str(shipped_index), "--json", "-k", "3", "--myth", "10"], stdin="\n".join(questions) + "\n")
    assert r.returncode == 2, r.stderr  # the empty line is bad input; every line is still answered
    assert _run(["--index", str(shipped_index), "--json"], stdin=questions[0] + "\n" + questions[2] + "\n").returncode == 0
    lines = r.stdout.splitlines()
    assert len(lines) == len(questions)
    objs = [json.loads(line) for line in lines]
    for q, obj in zip(questions, objs, strict=True):
        _check_object(obj)
        assert obj["question"] == q[-MAX_QUESTION_CHARS:]  # a question over the cap is echoed as read: its end
    assert objs[0]["answered"] and "DJI" in objs[0]["answer"][0]["text"] and len(objs[0]["passages"]) == 3
    assert [p["rank"] for p in objs[0]["passages"]] == [1, 2, 3]
    assert not objs[1]["answered"] and objs[1]["message"]
    assert not objs[2]["answered"] and objs[2]["answer"] == [] and len(objs[2]["passages"]) == 3
    assert "12,000 characters long; only its last 254 words were used." in objs[4]["message"]


def test_readable_answer(shipped_index, encoder, monkeypatch, capsys):
    from qa.cli import main
    from qa.engine import Engine

    engine = Engine.load(shipped_index, encoders={"minilm": encoder})
    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))  # same engine, no second model load
    assert main(["--index", str(shipped_index), "--section", "Why is it wrong?", "Which drone company stopped selling to Russia?"]) == 0
    out = capsys.readouterr().out
    assert "“For example, Chinese commercial drone producer DJI halted all sales to Russia" in out
    assert "[1] Myth 10 · Why is it wrong? · ¶4 — Margarete Klein" in out and "Sources:" in out
    assert main(["--index", str(shipped_index), "What is the capital of France?"]) == 0
    assert "Closest passages:" in capsys.readouterr().out


def test_missing_or_damaged_index_exits_3(tmp_path, capsys):
    from qa.cli import main

    assert main(["--index", str(tmp_path / "nothing"), "question"]) == 3
    assert "python -m ingest" in capsys.readouterr().err
    (tmp_path / "bad" / "versions").mkdir(parents=True)
    (tmp_path / "bad" / "CURRENT").write_text("../../etc\n")
    assert main(["--index", str(tmp_path / "bad"), "question"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "code", "status"),
    [
        (["Who wrote this?"], 0, "answered"),
        (["What is the capital of France?"], 0, "unknown_name"),  # a real question the texts do not answer
        (["   "], 2, "empty_question"),
        (["--myth", "3", "Who wrote this?"], 2, "bad_filter"),  # no Myth 3 in the index
        (["--section", "Conclusions", "Who wrote this?"], 2, "bad_filter"),
    ],
)
def test_the_exit_code_says_whether_the_input_was_usable(shipped_index, engine, monkeypatch, capsys, args, code, status):
    from qa.cli import main
    from qa.engine import Engine

    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))
    assert main(["--index", str(shipped_index), "--json", *args]) == code
    assert json.loads(capsys.readouterr().out)["status"] == status


def test_a_name_broken_over_lines_prints_on_one_line():
    from qa.cli import render
    from qa.types import Answer, AnswerSentence, Passage

    p = Passage(1, 0.5, "Text of the\npassage.", 0, 10, "T", "Margarete\nKlein", "Who?", 1, "m.txt", None)
    a = Answer("Who wrote this?", True, "", (AnswerSentence("Margarete\nKlein, SWP", 0, 0, 20, 1.0),), (p,))
    out = render(a)
    assert "“Margarete Klein, SWP” [1]" in out and "— Margarete Klein ·" in out and "Text of the passage." in out


def test_a_reader_that_stops_early_gets_no_traceback(shipped_index):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "--index", str(shipped_index), "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    proc.stdin.write(b"Who wrote this?\n" * 2000)
    proc.stdin.close()
    assert json.loads(proc.stdout.readline())["answered"]
    proc.stdout.close()  # as `| head -1` does
    assert proc.wait(timeout=300) == 0
    assert b"Traceback" not in proc.stderr.read()
