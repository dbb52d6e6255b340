"""One answer shape: the API's bodies are checked against the read path's contract models (qa.contract), equal the CLI's
`--json` objects, and a body that drifted from its schema is refused as JSON, never sent."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import ServeConfig
from api.engines import Engines
from api.errors import SCHEMA_MISMATCH
from qa.contract import AnswerJSON, ClaimJSON, StoredPassage, to_json
from qa.types import Answer, Passage

Q = "Which drone company stopped selling to Russia?"
CLAIM = "China is arming Russia for the war"


@pytest.fixture(scope="module")
def engine(shipped_index, encoder):
    from qa.engine import Engine

    return Engine.load(shipped_index, encoders={"minilm": encoder})


@pytest.fixture(scope="module")
def client(shipped_index, engine, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contract")
    config = ServeConfig(index=shipped_index, keys_db=tmp / "api_keys.sqlite3", token_file=tmp / "operator.token")
    with TestClient(create_app(config, Engines(shipped_index, load=lambda _d: engine))) as c:
        yield c


def _cli(shipped_index, engine, monkeypatch, capsys, args: list[str]) -> str:
    """What `python -m qa --index … <args>` prints (one line), run in-process with the test's loaded engine."""
    from qa.cli import main
    from qa.engine import Engine

    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))
    main(["--index", str(shipped_index), *args])
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1
    return out[:-1]


CASES = [
    # (the CLI's arguments, the API's request, its HTTP status)
    (["--json", Q], ("/v1/ask", {"question": Q}), 200),
    (
        ["--json", "--myth", "10", "-k", "3", "Who promotes this myth?"],
        ("/v1/ask", {"question": "Who promotes this myth?", "myth": 10, "k": 3}),
        200,
    ),
    (["--json", "What is the capital of France?"], ("/v1/ask", {"question": "What is the capital of France?"}), 200),
    (["--json", "--section", "Nope", Q], ("/v1/ask", {"question": Q, "section": "Nope"}), 400),
    (["--json", "   "], ("/v1/ask", {"question": "   "}), 400),
    (["--claim", CLAIM], ("/v1/claim", {"claim": CLAIM}), 200),
    (["--claim", ""], ("/v1/claim", {"claim": ""}), 400),
]


@pytest.mark.parametrize(("args", "request_", "status"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_the_cli_json_and_the_api_body_are_one_shape(shipped_index, engine, client, monkeypatch, capsys, args, request_, status):
    line = _cli(shipped_index, engine, monkeypatch, capsys, args)
    path, body = request_
    r = client.post(path, json=body)
    assert r.status_code == status and r.headers["content-type"] == "application/json"
    cli, api = json.loads(line), r.json()
    assert list(cli) == list(api) and cli == api  # same keys in the same order, same values
    assert r.content == line.encode("utf-8")  # and the same bytes


def test_a_follow_up_is_one_shape_too(client, engine):
    from qa.followup import Turn

    first = engine.ask(Q)
    cli = json.loads(to_json(engine.ask("Why?", previous=[Turn.of(first)])))
    api = client.post("/v1/ask", json={"question": "Why?", "previous": {"question": Q, "answer": first.sentences[0].text}}).json()
    assert cli == api and "understood_as" in api


def test_every_route_sending_the_contract_declares_its_model(client):
    models = {r.path: r.response_model for r in client.app.routes if getattr(r, "path", "").startswith("/v1/")}
    assert models["/v1/ask"] is AnswerJSON and models["/v1/claim"] is ClaimJSON and models["/v1/passages/{uid}"] is StoredPassage
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["StoredPassage"]["properties"]) == set(StoredPassage.model_fields)
    assert set(schemas["AnswerJSON"]["properties"]) == set(AnswerJSON.model_fields)


def _extra(original):
    return lambda self: original(self) | {"debug": "drifted"}


def _missing(original):
    return lambda self: {k: v for k, v in original(self).items() if k != "message"}


def _mistyped(original):
    return lambda self: original(self) | {"answered": "yes"}


@pytest.mark.parametrize("drift", [_extra, _missing, _mistyped])
def test_a_drifted_answer_is_refused_as_json_not_sent(client, monkeypatch, drift):
    monkeypatch.setattr(Answer, "to_json", drift(Answer.to_json))
    r = client.post("/v1/ask", json={"question": Q})
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    assert r.json() == {"status": "schema_mismatch", "message": SCHEMA_MISMATCH}
    assert "did not match its documented schema" in SCHEMA_MISMATCH and "Traceback" not in r.text and "DJI" not in r.text


def test_a_drifted_passage_is_refused_on_every_route_that_sends_one(client, monkeypatch):
    uid = client.post("/v1/ask", json={"question": Q, "ids": True}).json()["passages"][0]["uid"]
    original = Passage.to_json
    monkeypatch.setattr(Passage, "to_json", lambda self: original(self) | {"chunk_id": self.chunk_id})
    for r in (
        client.post("/v1/ask", json={"question": Q}),
        client.post("/v1/claim", json={"claim": CLAIM}),
        client.get(f"/v1/passages/{uid}"),
    ):
        assert (r.status_code, r.json()) == (500, {"status": "schema_mismatch", "message": SCHEMA_MISMATCH})


def test_a_drifted_claim_result_is_refused(client, monkeypatch):
    from qa.claim import ClaimResult

    original = ClaimResult.to_json
    monkeypatch.setattr(ClaimResult, "to_json", lambda self: {k: v for k, v in original(self).items() if k != "agrees"})
    r = client.post("/v1/claim", json={"claim": CLAIM})
    assert (r.status_code, r.json()["status"]) == (500, "schema_mismatch")


def test_the_cli_refuses_the_same_drift(engine, monkeypatch):
    from pydantic import ValidationError

    answer = engine.ask(Q)
    monkeypatch.setattr(Answer, "to_json", _extra(Answer.to_json))
    with pytest.raises(ValidationError, match="debug"):
        to_json(answer)
