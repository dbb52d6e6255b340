"""Every store on a real PostgreSQL server (tests/pg.py): the same calls as on SQLite give the same results, the migrations
apply once however many processes start together, and a server that cannot be reached is said in one sentence."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from core.settings import Limits
from evaluate import review, run
from evaluate.run import load_questions
from store import background, db, postgres
from store.background import Writer, WriteSettings
from store.conversations import ConversationStore
from store.keys import KeyStore
from store.ratelimit import SharedWindow
from store.reviewed import ReviewedStore
from store.turn import Feedback
from store.votes import FeedbackStore, VoteLimits
from tests.test_conversations import _turn

ROOT = Path(__file__).resolve().parent.parent
A, B, C = "a" * 32, "b" * 32, "c" * 32
NEWEST = len(postgres.migrations())


def test_the_backend_is_sqlite_unless_a_database_url_is_set(tmp_path):
    assert db.database_url({}) is None and db.database_url({"MYTHQA_DATABASE_URL": "  "}) is None
    url = "postgresql://me:secret@127.0.0.1:5433/mythqa"
    assert db.database_url({"MYTHQA_DATABASE_URL": url}) == url
    sqlite, pg = db.at(tmp_path / "x.sqlite3", {}), db.at(tmp_path / "x.sqlite3", {"MYTHQA_DATABASE_URL": url})
    assert (sqlite.dialect.name, sqlite.where) == ("sqlite", str(tmp_path / "x.sqlite3"))
    assert (pg.dialect.name, pg.where) == ("postgresql", "postgresql://me@127.0.0.1:5433/mythqa")  # never the password


def test_conversations_round_trip(pg_url, tmp_path):
    store = ConversationStore(tmp_path / "unused.sqlite3", Limits(conversations_total=2), Writer(WriteSettings()))
    assert store.db.url == pg_url and not (tmp_path / "unused.sqlite3").exists()
    assert store.add(A, _turn("1" * 32, "First?"), owner="me").saved
    assert store.add(A, _turn("2" * 32, "Second?"), owner="me").saved
    assert store.set_feedback("2" * 32, Feedback("wrong", "no"), owner="me").saved
    got = store.load(A, owner="me")
    assert [t.question for t in got.turns] == ["First?", "Second?"] and got.feedback == {"2" * 32: Feedback("wrong", "no")}
    assert got.turns[0] == _turn("1" * 32, "First?") and store.load(A, owner="you") is None
    assert store.add(B, _turn("3" * 32, "Other?"), owner="you").saved
    summaries, total = store.recent(owner="me")
    assert total == 1 and [(s.id, s.title, s.turns) for s in summaries] == [(A, "First?", 2)]
    assert store.add(C, _turn("4" * 32, "Third?")).saved  # the cap of 2: the least recently used (A) goes
    assert store.load(A) is None and store.conversations() == 2 and store.count(B) == 1
    assert store.move_owner("you", "them") == 1 and store.recent(owner="them")[1] == 1
    share = store.share(_turn("5" * 32, "Shared?"))
    assert store.shared(share).question == "Shared?" and store.shared("0" * 32) is None
    assert store.delete(B, owner="them") and not store.delete(B, owner="them")
    assert store.purge([C]) == 1 and store.conversations() == 0


def test_votes_round_trip_with_reviews_and_retention(pg_url, tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3", VoteLimits(waiting_votes_max=2), Writer(WriteSettings()))
    answer = _turn().answer
    assert store.record("a1", answer, "right", " fine ", "v1", ("minilm",), "default") is True
    assert store.record("a1", answer, "wrong", "no", "v1") is False  # a second vote on an answer replaces the first
    assert store.send("a2", answer, "right_passage", "", "v1").saved
    (first, second) = store.votes()
    assert (first.answer_id, first.verdict, first.comment, first.answered, first.models) == ("a1", "wrong", "no", True, ("minilm",))
    assert first.sentences == ("China did not help.",) and first.passages[0]["uid"] == "u1" and second.verdict == "right_passage"
    assert store.set_review(first.id, "accepted") and not store.set_review(first.id, "dismissed")
    store.record("a3", answer, "right", "", "v1")
    store.record("a4", answer, "right", "", "v1")  # 3 waiting past a cap of 2: the oldest waiting (a2) goes, a1 was accepted
    assert [v.answer_id for v in store.votes()] == ["a1", "a3", "a4"]
    assert store.set_reviews([v.id for v in store.votes()], "dismissed") == 2


def test_reviewed_questions_live_in_the_table_and_evaluate_reads_them_as_one_file(pg_url, tmp_path, monkeypatch):
    out = tmp_path / "reviewed.jsonl"
    monkeypatch.setattr(run, "REVIEWED", out)
    votes = FeedbackStore(tmp_path / "fb.sqlite3")
    votes.record("answer-1", _turn().answer, "wrong", "", "v1")
    vote = review.waiting(votes)[0]
    row = review.accept(votes, vote, ["China did not help."])
    assert not out.exists() and ReviewedStore(out).rows() == [row]  # in the table, not the file
    assert review.accept(votes, vote, ["China did not help."]) is None  # reviewed once, never twice
    assert run.default_sets() == [run.QUESTIONS, out]  # the one way in: the table written where the file was
    (q,) = load_questions(out)
    assert (q.id, q.question, q.gold, q.split) == ("rv-answer-1", "Did China help Russia?", ("China did not help.",), "reviewed")


def test_a_reviewed_file_from_the_sqlite_days_is_imported_once(pg_url, tmp_path):
    path = tmp_path / "reviewed.jsonl"
    old = [{"id": "rv-1", "question": "Q1?", "gold": ["g"], "split": "reviewed"}, {"id": "rv-2", "question": "Q2?", "gold": ["h"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")
    assert ReviewedStore(path).file() == path and ReviewedStore(path).rows() == old
    ReviewedStore(path).add({"id": "rv-3", "question": "Q3?", "gold": ["i"]})
    assert [r["id"] for r in map(json.loads, path.read_text().splitlines())] == ["rv-1", "rv-2"]  # written on the next read
    ReviewedStore(path).file()
    assert [r["id"] for r in map(json.loads, path.read_text().splitlines())] == ["rv-1", "rv-2", "rv-3"]


def test_keys_round_trip(pg_url, tmp_path):
    store = KeyStore(tmp_path / "keys.sqlite3")
    one, secret = store.create("newsroom")
    two, other = store.create("bot")
    assert (one.id, two.id) == (1, 2) and store.check(secret) == one and store.check("mqa_wrong") is None
    assert [k.name for k in store.list()] == ["newsroom", "bot"]
    assert [k.id for k in store.revoke("newsroom")] == [1]
    assert store.check(secret) is None and store.check(other) == two  # another replica's KeyStore sees it at once
    assert KeyStore(tmp_path / "elsewhere.sqlite3").check(other) == two


def test_the_rate_window_is_one_for_every_process_sharing_the_database(pg_url, tmp_path):
    where = db.at(tmp_path / "keys.sqlite3")
    host_a, host_b = SharedWindow(where, 3), SharedWindow(where, 3)
    assert [host_a.wait("key:1"), host_b.wait("key:1"), host_a.wait("key:1")] == [0.0, 0.0, 0.0]
    assert 59 < host_b.wait("key:1") <= 60 and 59 < host_a.wait("key:1") <= 60  # refusals are not counted
    assert host_b.wait("key:2") == 0.0
    with closing(psycopg.connect(pg_url)) as con:
        assert con.execute("SELECT key, count(*) FROM rate_events GROUP BY key ORDER BY key").fetchall() == [("key:1", 3), ("key:2", 1)]


def test_the_rate_window_counts_racing_requests_exactly(pg_url, tmp_path):
    window = SharedWindow(db.at(tmp_path / "keys.sqlite3"), 10)
    allowed = []
    threads = [threading.Thread(target=lambda: allowed.extend(w == 0.0 for w in [window.wait("k") for _ in range(5)])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 10 and len(allowed) == 20


def _schema_versions(url: str) -> list[int]:
    with closing(psycopg.connect(url)) as con:
        return [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")]


def test_migrations_apply_once_and_a_second_process_finds_them_done(pg_url):
    with closing(db.connect(db.Database(Path("-"), pg_url))):
        pass
    assert _schema_versions(pg_url) == list(range(1, NEWEST + 1))
    with closing(psycopg.connect(pg_url)) as con:
        assert postgres.version(con) == NEWEST and postgres.migrate(con) == NEWEST  # nothing newer: nothing done
    code = "import psycopg, sys; from store import postgres; con = psycopg.connect(sys.argv[1]); print(postgres.migrate(con))"
    other = subprocess.run([sys.executable, "-c", code, pg_url], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (other.returncode, other.stdout.strip()) == (0, str(NEWEST)), other.stderr
    assert _schema_versions(pg_url) == list(range(1, NEWEST + 1))


def test_connections_racing_to_migrate_apply_each_migration_once(pg_server):
    url = pg_server.database()
    got, errors = [], []

    def start() -> None:
        try:
            with closing(psycopg.connect(url)) as con:
                got.append(postgres.migrate(con))
        except Exception as e:  # noqa: BLE001 - the assertion below shows it
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and got == [NEWEST] * 4 and _schema_versions(url) == list(range(1, NEWEST + 1))


def test_a_server_that_cannot_be_reached_is_one_sentence_and_a_write_is_retried(tmp_path, monkeypatch):
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://me:secret@127.0.0.1:{port}/mythqa"
    monkeypatch.setenv("MYTHQA_DATABASE_URL", url)
    with pytest.raises(db.StoreUnavailable, match=f"The database postgresql://me@127.0.0.1:{port}/mythqa cannot be reached") as e:
        KeyStore(tmp_path / "k.sqlite3").check("mqa_x")
    assert "secret" not in str(e.value) and background.kind(e.value) == background.RETRYING
    store = ConversationStore(tmp_path / "c.sqlite3", writer=Writer(WriteSettings(store_retry_seconds=0.3)))
    with pytest.raises(db.StoreUnavailable):
        store.load(A)
    env = {"MYTHQA_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    cli = subprocess.run([sys.executable, "-m", "api.keys", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert cli.stderr.startswith(f"error: the key store postgresql://me@127.0.0.1:{port}/mythqa cannot be used: The database")


def test_sqlite_files_record_their_schema_version_and_an_older_file_keeps_its_rows(tmp_path):
    import sqlite3

    old = tmp_path / "old.sqlite3"  # a key file of an earlier release: its table, no version recorded
    con = sqlite3.connect(old)
    columns = "id INTEGER PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created REAL NOT NULL, revoked REAL"
    con.execute(f"CREATE TABLE api_keys ({columns})")
    con.execute("INSERT INTO api_keys (name, hash, created) VALUES ('old', 'h', 1.0)")
    con.commit()
    assert con.execute("PRAGMA user_version").fetchone()[0] == 0
    con.close()
    store = KeyStore(old)
    assert [k.name for k in store.list()] == ["old"] and store.db.dialect is db.SQLITE
    with closing(sqlite3.connect(old)) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == db.SQLITE_VERSION


def test_a_connection_is_reused_and_one_the_server_dropped_is_replaced(pg_url):
    def backend() -> int:
        con = postgres.connect(pg_url)
        try:
            return con.execute("SELECT pg_backend_pid()").fetchone()[0]
        finally:
            con.close()

    first = backend()
    assert backend() == first  # the idle connection is taken again, not a new one opened
    with closing(psycopg.connect(pg_url, autocommit=True)) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    assert backend() not in (first, None)  # the dropped one is noticed before use and replaced


def test_a_timeout_one_caller_set_does_not_follow_the_connection_to_the_next(pg_url):
    con = postgres.connect(pg_url)
    db.POSTGRES.wait(con, 1.5)
    assert con.execute("SHOW lock_timeout").fetchone()[0] == "1500ms"
    con.close()
    again = postgres.connect(pg_url)
    try:
        assert again.execute("SHOW lock_timeout").fetchone()[0] == "0"
    finally:
        again.close()


def test_the_store_bench_prints_each_call_and_the_load(pg_url, capsys):
    from bench.pg_stores import main

    assert main(["--url", pg_url, "--calls", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = ["key check, SQLite", "key check, PostgreSQL", "rate count, PostgreSQL", "load average"]
    assert [line.split(":")[0] for line in lines] == rows
    assert [(k.name, k.revoked is not None) for k in KeyStore(Path("unused")).list()] == [("bench", True)]  # revoked at the end
