"""The real server process: `python -m api` on a free port, asked over a socket, answers as `python -m qa --json`."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
Q = "Which drone company stopped selling to Russia?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, bytes]:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        con.request(method, path, body, {"Content-Type": "application/json"} if body is not None else {})
        r = con.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        con.close()


def _wait_ready(port: int, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            if _request(port, "GET", "/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not answer its health check in time")


def test_the_server_process_answers_over_a_socket_as_the_cli_prints(shipped_index, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        "MYTHQA_API_KEYS_DB": str(tmp_path / "api_keys.sqlite3"),
        "MYTHQA_OPERATOR_TOKEN_FILE": str(tmp_path / "operator.token"),
    }
    cmd = [sys.executable, "-m", "api", "--index", str(shipped_index), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_ready(port, proc)
        status, headers, body = _request(port, "POST", "/v1/ask", json.dumps({"question": Q, "k": 3}).encode())
        cli = subprocess.run(
            [sys.executable, "-m", "qa", "--index", str(shipped_index), "--json", "-k", "3", Q],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert cli.returncode == 0, cli.stderr
        assert status == 200 and body.decode() + "\n" == cli.stdout
        assert "server" not in {k.lower() for k in headers}
        status, _, page = _request(port, "GET", "/docs")
        assert status == 200 and _request(port, "GET", "/docs/assets/swagger-ui.css")[0] == 200
        status, _, refused = _request(port, "POST", "/v1/ask", b"x" * 100_000)
        assert status == 413 and json.loads(refused)["status"] == "too_large"
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "Traceback" not in out and f"http://127.0.0.1:{port}/" in out
