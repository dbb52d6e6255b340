"""The HTTP API's contract: the same JSON as `python -m qa --json`, refusals as {status, message}, local docs."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import ServeConfig
from api.engines import Engines
from qa.contract import to_json
from qa.followup import Turn

Q = "Which drone company stopped selling to Russia?"


def make_app(index, engine, tmp, **fields):
    """An app over ``index`` answering with ``engine`` (no second model load); keys and token live in ``tmp``."""
    config = ServeConfig(index=index, keys_db=tmp / "api_keys.sqlite3", token_file=tmp / "operator.token", **fields)
    return create_app(config, Engines(index, load=lambda _d: engine))


@pytest.fixture(scope="module")
def engine(shipped_index, encoder):
    from qa.engine import Engine

    return Engine.load(shipped_index, encoders={"minilm": encoder})


@pytest.fixture(scope="module")
def client(shipped_index, engine, tmp_path_factory):
    with TestClient(make_app(shipped_index, engine, tmp_path_factory.mktemp("serve"))) as c:
        yield c


def test_ask_sends_the_cli_json_byte_for_byte(client, engine):
    r = client.post("/v1/ask", json={"question": Q, "myth": 10, "k": 3})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.content == to_json(engine.ask(Q, k=3, myth=10)).encode()
    body = r.json()
    assert body["status"] == "answered" and "DJI" in body["answer"][0]["text"] and len(body["passages"]) == 3


def test_follow_up_reads_the_previous_turn_as_the_cli_does(client, engine):
    first = engine.ask(Q)
    r = client.post("/v1/ask", json={"question": "Why?", "previous": {"question": Q, "answer": first.sentences[0].text}})
    assert r.status_code == 200
    assert r.content == to_json(engine.ask("Why?", previous=[Turn.of(first)])).encode()
    assert r.json()["understood_as"] == "Why: " + first.sentences[0].text


def test_claim_and_passage_by_id(client, engine):
    from qa.claim import check

    claim = "China is arming Russia for the war"
    r = client.post("/v1/claim", json={"claim": claim})
    assert r.status_code == 200 and r.content == to_json(check(engine, claim)).encode()
    asked = client.post("/v1/ask", json={"question": Q, "k": 2, "ids": True}).json()
    uid = asked["passages"][0]["uid"]
    assert re.fullmatch(r"[0-9a-f]{12}", uid)
    got = client.get(f"/v1/passages/{uid}")
    assert got.status_code == 200
    stored = engine.passage(uid)
    cited = {k: v for k, v in asked["passages"][0].items() if k not in ("rank", "score")}  # no question ranked it
    assert got.json() == cited | {"url": stored.url, "publisher": stored.publisher, "published": stored.published}
    assert got.json()["url"].startswith("https://")
    schema = client.get("/openapi.json").json()["components"]["schemas"]["StoredPassage"]["properties"]
    assert set(got.json()) == set(schema) and not {"rank", "score"} & set(schema)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8"])
def test_a_json_body_is_read_whatever_its_content_type(client, engine, content_type):
    body = json.dumps({"question": Q, "k": 2}).encode()
    r = client.post("/v1/ask", content=body, headers={"content-type": content_type} if content_type else {})
    assert r.status_code == 200 and r.content == to_json(engine.ask(Q, k=2)).encode()


def test_a_form_body_is_told_to_send_json(client):
    r = client.post("/v1/ask", data={"question": Q})
    assert (r.status_code, r.json()["status"]) == (400, "bad_json")


def test_myths_and_health(client, engine):
    m = client.get("/v1/myths").json()
    assert [x["myth"] for x in m["myths"]] == [10] and m["version"] == engine.version
    assert "Why is it wrong?" in m["myths"][0]["sections"] and m["sections"] == list(engine.sections)
    assert client.get("/v1/health").json() == {"status": "ok", "version": engine.version, "models": ["minilm"]}


def test_concurrent_answers_equal_single_client_answers(client):
    questions = [Q, "Who promotes this myth?", "What is the capital of France?"]
    alone = {q: client.post("/v1/ask", json={"question": q}).content for q in questions}
    with ThreadPoolExecutor(12) as pool:
        together = list(pool.map(lambda i: (questions[i % 3], client.post("/v1/ask", json={"question": questions[i % 3]})), range(36)))
    assert all(r.status_code == 200 and r.content == alone[q] for q, r in together)


BAD = [
    # (request, status, code, start of the message)
    ({"json": {"question": ""}}, 400, "empty_question", "Please type a question"),
    ({"json": {"question": Q, "myth": 99}}, 400, "bad_filter", "There is no Myth 99 in the index (myths: 10)."),
    ({"json": {"question": Q, "section": "Nope"}}, 400, "bad_filter", "There is no section “Nope”. Sections: "),
    ({"json": {"question": Q, "k": 0}}, 422, "invalid_request", "k: Input should be greater than or equal to 1. Fix these fields"),
    ({"json": {"question": 12}}, 422, "invalid_request", "question: Input should be a valid string."),
    ({"json": {}}, 422, "invalid_request", "question: Field required."),
    ({"json": {"question": Q, "sectoin": "x"}}, 422, "invalid_request", "sectoin: Extra inputs are not permitted."),
    ({"content": b"{", "headers": {"content-type": "application/json"}}, 400, "bad_json", "The request body is not valid JSON."),
    (
        {"content": b"x" * 70_000, "headers": {"content-type": "application/json"}},
        413,
        "too_large",
        "The request body is over 65,536 bytes.",
    ),
    ({"content": iter([b"x" * 40_000] * 2), "headers": {"content-type": "application/json"}}, 413, "too_large", "The request body is over"),
]


@pytest.mark.parametrize(("request_", "status", "code", "message"), BAD)
def test_bad_input_gets_a_status_and_a_message(client, request_, status, code, message):
    r = client.post("/v1/ask", **request_)
    body = r.json()
    assert (r.status_code, body["status"]) == (status, code)
    assert body["message"].startswith(message), body["message"]
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/v1/nothing", 404, "not_found"),
        ("get", "/v1/ask", 405, "method_not_allowed"),
        ("get", "/v1/passages/0000", 404, "unknown_passage"),
    ],
)
def test_unknown_paths_and_ids(client, method, path, status, code):
    r = getattr(client, method)(path)
    assert (r.status_code, r.json()["status"]) == (status, code) and r.json()["message"]


def test_a_lone_surrogate_is_read_as_a_replacement_character(client):
    r = client.post("/v1/ask", content=b'{"question": "Who \\ud800 promotes this myth?"}', headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["question"] == "Who \ufffd promotes this myth?"


def test_no_index_is_503_worded_by_code(tmp_path, engine):
    with TestClient(make_app(tmp_path / "none", engine, tmp_path)) as c:
        r = c.post("/v1/ask", json={"question": Q})
        assert (r.status_code, r.json()) == (
            503,
            {"status": "index-missing", "message": "No index is published yet. Try again once the operator has built one."},
        )
        token = (tmp_path / "operator.token").read_text().strip()
        r = c.get("/v1/health", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 503 and str(tmp_path / "none") in r.json()["message"] and "python -m ingest" in r.json()["message"]


def test_docs_load_nothing_from_the_internet(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", page.text), "an asset from another host"
    for path in re.findall(r"(?:src|href)=[\"'](/[^\"']+)", page.text):
        assert client.get(path).status_code == 200, path
    assert "swagger-ui-bundle.js" in page.text and '"validatorUrl": null' in page.text
    schema = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/claim", "/v1/passages/{uid}", "/v1/myths", "/v1/health"} <= set(schema["paths"])
    assert client.get("/docs/assets/other.js").status_code == 404
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}  # the page's "Authorize"


def test_pool_refuses_past_its_queue():
    import asyncio
    import threading

    from api.errors import ApiError
    from api.limits import Pool

    pool, gate = Pool(1, 1), threading.Event()

    async def burst():
        tasks = [asyncio.ensure_future(pool.run(gate.wait, 5)) for _ in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(ApiError) as refused:
            await pool.run(gate.wait, 5)
        gate.set()
        return refused.value, await asyncio.gather(*tasks)

    refused, done = asyncio.run(burst())
    assert (refused.status, refused.code, refused.headers) == (503, "busy", {"Retry-After": "2"}) and done == [True, True]
    pool.close()


def test_cors_is_off_unless_configured(shipped_index, engine, tmp_path, client):
    origin = {"Origin": "https://newsroom.example"}
    assert "access-control-allow-origin" not in client.get("/v1/health", headers=origin).headers
    with TestClient(make_app(shipped_index, engine, tmp_path, cors_origins=("https://newsroom.example",))) as c:
        assert c.get("/v1/health", headers=origin).headers["access-control-allow-origin"] == "https://newsroom.example"


def test_body_contract_matches_the_documented_schema(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    body = client.post("/v1/ask", json={"question": Q}).json()
    assert set(body) <= set(schema["AnswerJSON"]["properties"]) and set(schema["AnswerJSON"]["required"]) <= set(body)
    assert json.loads(json.dumps(body)) == body


def test_a_newly_published_version_is_answered_without_restart(tmp_path):
    from types import SimpleNamespace

    from api.engines import Engines

    loads = []

    def load(index_dir):
        version = (index_dir / "CURRENT").read_text().strip()
        loads.append(version)
        return SimpleNamespace(version=version, ask=lambda q: None)

    engines, pointer = Engines(tmp_path, load=load), tmp_path / "CURRENT"
    pointer.write_text("20250101T000000-aaaaaaaa\n")
    first = engines.current()
    assert engines.current() is first and first.version == "20250101T000000-aaaaaaaa"
    pointer.write_text("20250102T000000-bbbbbbbb\n")
    assert engines.current().version == "20250102T000000-bbbbbbbb" and loads == ["20250101T000000-aaaaaaaa", "20250102T000000-bbbbbbbb"]
    assert engines.loaded() == ("20250101T000000-aaaaaaaa", "20250102T000000-bbbbbbbb")
