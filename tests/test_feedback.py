"""The evaluator feedback store and `python -m store.feedback export`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.types import Answer, AnswerSentence, Passage
from store.feedback_export import export, gold_rows
from store.votes import FeedbackStore

ROOT = Path(__file__).resolve().parent.parent


TEXT = "Beijing has so far been reluctant to assist Russia."


def _answer(question="Did China help Russia?", answered=True):
    p = Passage(1, 0.81234, TEXT, 18, 10, "T", "A", "Why is it wrong?", 6, "m.txt", None, uid="3fa2c1d0e9b8")
    sentences = (AnswerSentence("Beijing has so far been reluctant to assist Russia.", 0, 0, 51, 0.7),) if answered else ()
    return Answer(question, answered, "" if answered else "The corpus does not answer this.", sentences, (p,))


def test_record_stores_everything_once(tmp_path):
    store = FeedbackStore(tmp_path / "sub" / "fb.sqlite3")
    assert store.record("a1", _answer(), "right", "  spot on ", "v7", ("minilm", "mpnet"), "calibrated") is True
    assert store.record("a1", _answer(), "wrong", "changed my mind ", "v7") is False  # one vote per answer, changeable
    (vote,) = store.votes()
    assert (vote.answer_id, vote.verdict, vote.comment, vote.question, vote.answered, vote.index_version) == (
        "a1",
        "wrong",
        "changed my mind",
        "Did China help Russia?",
        True,
        "v7",
    )
    assert vote.sentences == ("Beijing has so far been reluctant to assist Russia.",)
    sha = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    assert vote.passages == (
        {
            "rank": 1,
            "uid": "3fa2c1d0e9b8",
            "text_sha256": sha,
            "chunk_id": 18,
            "citation": "Myth 10 · Why is it wrong? · ¶6",
            "source": "m.txt",
            "page": None,
            "score": 0.8123,
        },
    )
    assert (vote.models, vote.profile) == (("minilm", "mpnet"), "calibrated")
    assert vote.created_at.endswith("Z") and len(vote.created_at) == 20


def test_unknown_verdict_is_refused(tmp_path):
    with pytest.raises(ValueError, match="right, right_passage, wrong"):
        FeedbackStore(tmp_path / "fb.sqlite3").record("a1", _answer(), "great", "", "v1")


def test_jsonl_export_keeps_right_answers_in_eval_format(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record("a1", _answer("Did  China help Russia?"), "right", "", "v1")
    store.record("a2", _answer("Who promotes the myth?"), "wrong", "", "v1")
    store.record("a3", _answer("Capital of France?", answered=False), "right", "", "v1")
    store.record("a4", _answer("Did China help Russia?"), "right", "", "v2")  # same question again: latest wins
    store.record("a5", _answer("Who wrote it?"), "right_passage", "", "v2")
    out = io.StringIO()
    assert export(store, "jsonl", out) == 1
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows == [
        {
            "id": "fb0004",
            "question": "Did China help Russia?",
            "gold": ["Beijing has so far been reluctant to assist Russia."],
            "kind": "feedback",
            "out_of_scope": False,
            "split": "heldout",
        }
    ]
    # the same keys as the shipped evaluation set
    shipped = json.loads((ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(rows[0]) == set(shipped)
    assert gold_rows(store.votes(), split="tune")[0]["split"] == "tune"


def test_csv_export_lists_every_vote(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record("a1", _answer(), "right_passage", "sentence 2 was better", "v1")
    store.record("a2", _answer("Capital of France?", answered=False), "wrong", "", "v1")
    out = io.StringIO()
    assert export(store, "csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["id"], r["verdict"], r["comment"], r["answered"]) for r in rows] == [
        ("1", "right_passage", "sentence 2 was better", "1"),
        ("2", "wrong", "", "0"),
    ]
    assert rows[0]["citations"] == "Myth 10 · Why is it wrong? · ¶6"
    assert rows[0]["passage_ids"] == "3fa2c1d0e9b8"
    assert (rows[0]["models"], rows[0]["profile"]) == ("", "")
    assert json.loads(rows[0]["sentences"]) == ["Beijing has so far been reluctant to assist Russia."]


def _cli(*args, env_db=None):
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    if env_db:
        env["MYTHQA_FEEDBACK_DB"] = str(env_db)
    return subprocess.run([sys.executable, "-m", "store.feedback", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_cli_export(tmp_path):
    db = tmp_path / "fb.sqlite3"
    FeedbackStore(db).record("a1", _answer(), "right", "", "v1")
    r = _cli("export", "--format", "jsonl", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["gold"] == ["Beijing has so far been reluctant to assist Russia."]
    assert r.stderr.strip() == f"1 row(s) exported from {db}."
    r = _cli("export", env_db=db)  # csv by default, database from the environment
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("id,created_at,verdict,comment,question")


def test_cli_errors_are_short_messages(tmp_path):
    r = _cli("export", "--db", str(tmp_path / "missing.sqlite3"))
    assert r.returncode == 2 and "no feedback database" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database")
    r = _cli("export", "--db", str(bad))
    assert r.returncode == 2 and "not a readable feedback database" in r.stderr and "Traceback" not in r.stderr


def test_database_from_before_models_and_profile_gains_the_columns(tmp_path):
    import sqlite3

    db = tmp_path / "old.sqlite3"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE feedback (id INTEGER PRIMARY KEY, answer_id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, verdict TEXT NOT NULL,"
        " comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL, answered INTEGER NOT NULL, sentences TEXT NOT NULL,"
        " passages TEXT NOT NULL, index_version TEXT NOT NULL)"
    )
    con.execute("INSERT INTO feedback VALUES (1, 'a0', '2026-11-01T00:00:00Z', 'right', '', 'q?', 1, '[\"s\"]', '[]', 'v0')")
    con.commit()
    con.close()
    store = FeedbackStore(db)
    assert store.record("a1", _answer(), "wrong", "", "v1", ("minilm",), "default")
    old, new = store.votes()
    assert (old.models, old.profile, new.models, new.profile) == ((), "", ("minilm",), "default")


def test_a_burst_of_200_votes_is_all_stored(tmp_path):
    import threading

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record("warm", _answer(), "right", "", "v1")
    start, errors = threading.Barrier(200), []

    def vote(i: int) -> None:
        try:
            start.wait()  # all 200 threads write at the same moment
            FeedbackStore(store.path).record(f"b{i}", _answer(f"Question {i}?"), ("right", "wrong")[i % 2], "", "v1")
        except Exception as e:  # noqa: BLE001 - the test reports every failure, whatever its type
            errors.append(e)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    votes = store.votes()
    assert len(votes) == 201 and {v.answer_id for v in votes} == {"warm"} | {f"b{i}" for i in range(200)}


def _age(db: Path, answer_ids: list[str], days: float) -> None:
    """Make votes ``days`` old, as if cast then."""
    import sqlite3
    import time

    con = sqlite3.connect(db)
    with con:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - days * 86400))
        con.executemany("UPDATE feedback SET created_at = ? WHERE answer_id = ?", [(when, a) for a in answer_ids])
    con.close()


def test_votes_past_their_retention_are_purged_unless_accepted(tmp_path):
    from store.votes import VoteLimits

    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db, VoteLimits(vote_retention_days=30))
    for a in ("old-waiting", "old-dismissed", "old-accepted", "recent"):
        store.record(a, _answer(f"{a}?"), "wrong", "", "v1")
    by_id = {v.answer_id: v.id for v in store.votes()}
    assert store.set_review(by_id["old-dismissed"], "dismissed") and store.set_review(by_id["old-accepted"], "accepted")
    _age(db, ["old-waiting", "old-dismissed", "old-accepted"], 31)
    _age(db, ["recent"], 29)
    store.record("new", _answer("new?"), "right", "", "v1")  # each new vote applies the retention
    assert [v.answer_id for v in store.votes()] == ["old-accepted", "recent", "new"]
    assert FeedbackStore(db, VoteLimits(vote_retention_days=0)).retain() == 0  # 0 keeps votes forever


def test_past_the_cap_of_unreviewed_votes_the_oldest_go_first(tmp_path):
    from store.votes import VoteLimits

    store = FeedbackStore(tmp_path / "fb.sqlite3", VoteLimits(waiting_votes_max=3))
    store.record("a0", _answer("q0?"), "wrong", "", "v1")
    store.set_review(store.votes()[0].id, "dismissed")  # reviewed: not counted, not removed by the cap
    for n in range(1, 6):
        store.record(f"a{n}", _answer(f"q{n}?"), ("right", "wrong")[n % 2], "", "v1")
    assert [v.answer_id for v in store.votes()] == ["a0", "a3", "a4", "a5"]
    assert store.record("a4", _answer("q4?"), "right", "changed", "v1") is False  # a changed vote removes nothing
    assert [v.answer_id for v in store.votes()] == ["a0", "a3", "a4", "a5"]


def test_vote_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MYTHQA_VOTE_RETENTION_DAYS", "7")
    monkeypatch.setenv("MYTHQA_WAITING_VOTES_MAX", "lots")
    limits = FeedbackStore(Path("unused.sqlite3")).limits
    assert (limits.vote_retention_days, limits.waiting_votes_max) == (7.0, 20_000)


def test_many_reviews_change_in_one_call_past_one_batch(tmp_path):
    import sqlite3

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record("a0", _answer(), "wrong", "", "v1")
    con = sqlite3.connect(store.path)
    with con:
        con.executemany(
            "INSERT INTO feedback (answer_id, created_at, verdict, question, answered, sentences, passages, index_version)"
            " VALUES (?, '2026-12-01T00:00:00Z', 'wrong', 'q', 1, '[]', '[]', 'v1')",
            [(f"b{n}",) for n in range(1200)],
        )
    con.close()
    ids = [v.id for v in store.votes()]
    assert store.set_review(ids[0], "accepted")
    assert store.set_reviews(ids + [999_999], "dismissed") == 1200  # the accepted one and an unknown id are not waiting
    assert {v.review for v in store.votes()[1:]} == {"dismissed"} and store.votes()[0].review == "accepted"
