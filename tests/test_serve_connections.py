"""Hostile connections against the real server (uvicorn in a thread, the settings `python -m api` runs with): idle
and trickling sockets are timed out and never count against answering; every refusal of the server itself is JSON."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn

from api.app import create_app
from api.cli import server_config
from api.config import ServeConfig
from api.engines import Engines
from api.middleware import InFlight

HEAD = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def engine(hash_index):
    from qa.engine import Engine

    return Engine.load(hash_index)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(index, engine, tmp, **fields):
    """`python -m api`'s app and uvicorn settings on a free loopback port, in a thread, for the ``with`` block."""
    config = ServeConfig(index=index, port=_free_port(), keys_db=tmp / "keys.sqlite3", token_file=tmp / "operator.token", **fields)
    server = uvicorn.Server(server_config(create_app(config, Engines(index, load=lambda _d: engine)), config, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    try:
        yield config.port
    finally:
        server.should_exit = True
        thread.join(10)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _response(s: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and the seconds that took."""
    start, data = time.monotonic(), b""
    while chunk := s.recv(65536):
        data += chunk
    return data, time.monotonic() - start


def _status_and_json(data: bytes) -> tuple[int, dict, dict]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def test_a_silent_connection_is_closed_after_the_head_timeout(hash_index, engine, tmp_path):
    with running(hash_index, engine, tmp_path, head_timeout=0.5) as port, _connect(port) as s:
        data, seconds = _response(s)
    assert data == b"" and 0.4 <= seconds < 3


def test_a_head_that_does_not_arrive_whole_gets_408_json(hash_index, engine, tmp_path):
    with running(hash_index, engine, tmp_path, head_timeout=0.5) as port:
        with _connect(port) as s:
            s.sendall(HEAD[:10])
            data, seconds = _response(s)
        with _connect(port) as s:  # the next request on a kept-alive connection has a deadline of its own
            s.sendall(HEAD)
            time.sleep(0.2)
            s.sendall(HEAD[:10])
            kept, _ = _response(s)
    status, headers, body = _status_and_json(data)
    assert (status, headers["content-type"], headers["connection"]) == (408, "application/json", "close") and 0.4 <= seconds < 3
    assert body == {
        "status": "timeout",
        "message": "The request line and headers did not arrive whole within 0.5 s. Send the whole request at once, then wait for "
        "the answer.",
    }
    first, _, second = kept.partition(b'"version"')
    assert first.startswith(b"HTTP/1.1 200 OK") and b"HTTP/1.1 408 Request Timeout" in second


def test_idle_and_trickling_sockets_do_not_block_a_real_request(hash_index, engine, tmp_path):
    # 1 worker and no queue: 65 requests may be in flight, and uvicorn's old limit (workers + queue + 64) was 65 sockets.
    with running(hash_index, engine, tmp_path, workers=1, queue=0, head_timeout=30) as port:
        idle = [_connect(port) for _ in range(50)]
        partial = [_connect(port) for _ in range(50)]
        for s in partial:
            s.sendall(HEAD[:20])
        body = b'{"question": "Who promotes this myth?"}'
        with _connect(port) as s:
            start = time.monotonic()
            s.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            data, _ = _response(s)
            seconds = time.monotonic() - start
        for s in idle + partial:
            s.close()
    status, _, body = _status_and_json(data)
    assert status == 200 and body["question"] == "Who promotes this myth?" and seconds < 5


def test_a_body_that_does_not_arrive_in_time_gets_408_json(hash_index, engine, tmp_path):
    with running(hash_index, engine, tmp_path, body_timeout=0.5) as port, _connect(port) as s:
        s.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{")
        data, seconds = _response(s)
    status, _, body = _status_and_json(data)
    assert (status, body["status"]) == (408, "timeout") and 0.4 <= seconds < 3
    assert body["message"] == (
        "The request body did not arrive within 0.5 s of its headers. Send the whole body at once (at most 65,536 bytes)."
    )


@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [
        (b"HELLO\r\n\r\n", 400, "bad_http"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000, 431, "headers_too_large"),  # 16 KiB of head, unfinished
    ],
)
def test_what_uvicorn_cannot_parse_is_refused_in_json(hash_index, engine, tmp_path, sent, status, code):
    with running(hash_index, engine, tmp_path) as port, _connect(port) as s:
        s.sendall(sent)
        data, _ = _response(s)
    got, headers, body = _status_and_json(data)
    assert (got, headers["content-type"], body["status"]) == (status, "application/json", code) and body["message"].endswith(".")


def test_a_websocket_upgrade_is_answered_as_plain_http(hash_index, engine, tmp_path):
    upgrade = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    with running(hash_index, engine, tmp_path, keep_alive=1) as port, _connect(port) as s:
        s.sendall(upgrade + b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        data, _ = _response(s)  # then closed as an idle keep-alive connection
    status, _, body = _status_and_json(data)
    assert (status, body["status"], body["version"]) == (200, "ok", engine.version)


def test_past_the_in_flight_limit_the_refusal_is_json_with_retry_after():
    gate = asyncio.Event()

    async def slow_app(scope, receive, send):
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def call(app) -> list[dict]:
        sent = []

        async def send(message):
            sent.append(message)

        await app({"type": "http", "method": "GET", "path": "/", "headers": []}, None, send)
        return sent

    async def burst():
        app = InFlight(slow_app, limit=2)
        first = [asyncio.ensure_future(call(app)) for _ in range(2)]
        await asyncio.sleep(0.01)
        refused = await call(app)
        gate.set()
        return refused, await asyncio.gather(*first), await call(app)

    refused, answered, after = asyncio.run(burst())
    start, body = refused
    headers = dict(start["headers"])
    assert (start["status"], headers[b"retry-after"], headers[b"content-type"]) == (503, b"2", b"application/json")
    assert json.loads(body["body"]) == {
        "status": "busy",
        "message": "The server is answering as many questions as it can. Try again in a few seconds.",
    }
    assert [m[0]["status"] for m in answered] == [200, 200] and after[0]["status"] == 200


def test_the_deadlines_and_the_wrong_key_limit_come_from_the_environment(tmp_path):
    from api.config import from_env

    env = {"MYTHQA_API_HEAD_TIMEOUT": "2.5", "MYTHQA_API_BODY_TIMEOUT": "nan", "MYTHQA_API_FAILED_KEYS_PER_MINUTE": "4"}
    config = from_env(env, index=tmp_path / "index")
    assert (config.head_timeout, config.body_timeout, config.failed_keys_per_minute) == (2.5, 20.0, 4)
    unreadable = from_env({"MYTHQA_API_HEAD_TIMEOUT": "0", "MYTHQA_API_FAILED_KEYS_PER_MINUTE": "ten"}, index=tmp_path / "index")
    assert (unreadable.head_timeout, unreadable.failed_keys_per_minute) == (10.0, 10)
    assert ServeConfig(workers=2, queue=64).max_in_flight == 130


def test_the_access_log_keeps_no_query_string():
    import logging

    from api.cli import PathOnly

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/v1/health?token=s3cret&x=1", "1.1", 200),
        None,
    )  # noqa: E501
    assert PathOnly().filter(record) and record.getMessage() == '1.2.3.4:5 - "GET /v1/health HTTP/1.1" 200'
