"""The command-line contract of `python -m qa`: JSON lines in stdin batch mode, and the readable form."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert r.returncode == 0, r.stderr
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


def test_missing_index_exits_2(tmp_path, capsys):
    from qa.cli import main

    assert main(["--index", str(tmp_path / "nothing"), "question"]) == 2
    assert "python -m ingest" in capsys.readouterr().err


def test_a_reader_that_stops_early_gets_no_traceback(shipped_index):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "--index", str(shipped_index), "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env,
    )
    proc.stdin.write(b"Who wrote this?\n" * 2000)
    proc.stdin.close()
    assert json.loads(proc.stdout.readline())["answered"]
    proc.stdout.close()  # as `| head -1` does
    assert proc.wait(timeout=300) == 0
    assert b"Traceback" not in proc.stderr.read()
