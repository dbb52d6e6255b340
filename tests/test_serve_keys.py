"""API keys on a non-loopback address, their revocation, the per-key rate limit and the operator's token."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.config import ServeConfig, is_loopback
from api.keys import main
from store.keys import KeyStore
from tests.test_serve import make_app


@pytest.fixture(scope="module")
def engine(shipped_index, encoder):
    from qa.engine import Engine

    return Engine.load(shipped_index, encoders={"minilm": encoder})


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_loopback_is_decided_by_the_address():
    assert [is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost", "0.0.0.0", "192.168.1.4", "example.org")] == [
        True, True, True, True, True, False, False, False,
    ]  # fmt: skip
    assert not ServeConfig(host="127.0.0.1").keys_required
    assert ServeConfig(host="0.0.0.0").keys_required and ServeConfig(require_keys=True).keys_required


def test_keys_refused_revoked_and_rate_limited(shipped_index, engine, tmp_path):
    app = make_app(shipped_index, engine, tmp_path, host="0.0.0.0", requests_per_minute=3)
    store = KeyStore(tmp_path / "api_keys.sqlite3")
    record, key = store.create("newsroom-bot")
    ask = {"question": "Who promotes this myth?"}
    with TestClient(app) as c:
        r = c.post("/v1/ask", json=ask)
        assert (r.status_code, r.json()["status"], r.headers["www-authenticate"]) == (401, "key_required", "Bearer")
        assert "python -m api.keys create" in r.json()["message"]
        assert c.post("/v1/ask", json=ask, headers=_bearer("mqa_wrong")).json()["status"] == "bad_key"
        assert c.get("/v1/health").status_code == 200  # a load balancer's probe needs no key
        assert [c.post("/v1/ask", json=ask, headers={"X-API-Key": key}).status_code for _ in range(3)] == [200, 200, 200]
        over = c.post("/v1/ask", json=ask, headers=_bearer(key))
        assert (over.status_code, over.json()["status"]) == (429, "rate_limited")
        assert 1 <= int(over.headers["retry-after"]) <= 60 and "at most 3 a minute" in over.json()["message"]
        other, other_key = store.create("course-platform")  # the limit is per key
        assert c.get("/v1/myths", headers=_bearer(other_key)).status_code == 200
        store.revoke(str(other.id))
        r = c.get("/v1/myths", headers=_bearer(other_key))
        assert (r.status_code, r.json()["status"]) == (401, "bad_key")
        token = (tmp_path / "operator.token").read_text().strip()
        assert [c.get("/v1/myths", headers=_bearer(token)).status_code for _ in range(5)] == [200] * 5  # never limited
        seen = c.get("/v1/health", headers=_bearer(token)).json()
        assert seen["index"] == str(engine.index.path) and seen["keys_required"] is True
        assert "index" not in c.get("/v1/health", headers=_bearer(key)).json()


def test_keys_are_stored_hashed_and_managed_from_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MYTHQA_API_KEYS_DB", str(tmp_path / "keys.sqlite3"))
    assert main(["create", "newsroom-bot"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("mqa_") and len(key) > 40
    raw = (tmp_path / "keys.sqlite3").read_bytes()
    assert key.encode() not in raw
    with sqlite3.connect(tmp_path / "keys.sqlite3") as con:
        assert con.execute("SELECT name, revoked FROM api_keys").fetchall() == [("newsroom-bot", None)]
    assert KeyStore(tmp_path / "keys.sqlite3").check(key).name == "newsroom-bot"
    assert main(["revoke", "newsroom-bot"]) == 0 and capsys.readouterr().out == "Revoked key 1 (newsroom-bot).\n"
    assert KeyStore(tmp_path / "keys.sqlite3").check(key) is None
    assert main(["revoke", "newsroom-bot"]) == 2
    assert "No live key has the id or name “newsroom-bot”" in capsys.readouterr().out
    assert main(["list"]) == 0 and capsys.readouterr().out.startswith("1\tnewsroom-bot\tcreated ")


def test_wrong_keys_are_throttled_per_client_address(shipped_index, engine, tmp_path):
    app = make_app(shipped_index, engine, tmp_path, host="0.0.0.0", failed_keys_per_minute=3)
    _, key = KeyStore(tmp_path / "api_keys.sqlite3").create("newsroom-bot")
    token = (tmp_path / "operator.token").read_text().strip()
    with TestClient(app, client=("203.0.113.7", 4000)) as guesser, TestClient(app, client=("198.51.100.2", 4000)) as other:
        tries = [guesser.get("/v1/myths", headers=_bearer(f"mqa_guess{i}")) for i in range(4)]
        assert [(r.status_code, r.json()["status"]) for r in tries] == [(401, "bad_key")] * 3 + [(429, "too_many_bad_keys")]
        assert 58 <= int(tries[3].headers["retry-after"]) <= 60
        assert tries[3].json()["message"] == (
            "Too many wrong API keys from this address: at most 3 a minute. Check the key you send (`Authorization: Bearer <key>`) "
            f"and try again in {tries[3].headers['retry-after']} s."
        )
        # From there on the address is refused before any key is looked at: a right one too, and on the health check.
        assert guesser.get("/v1/myths", headers=_bearer(key)).status_code == 429
        assert guesser.get("/v1/health", headers=_bearer(token)).status_code == 429
        assert guesser.get("/v1/health").status_code == 200  # no key sent: the probe still works
        assert other.get("/v1/myths", headers=_bearer(key)).status_code == 200  # another address is unaffected
        assert other.get("/v1/health", headers=_bearer("mqa_wrong")).json()["status"] == "bad_key"  # health checks a key sent
