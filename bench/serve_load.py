"""Load on the HTTP API: start `python -m api` on a free loopback port, ask it from many clients at once, and print
throughput, latency per request, the server's resident memory before and after, errors and answers that differ from
the same question asked alone.

Usage: python -m bench.serve_load [--index DIR] [--clients 50] [--requests 1000] [--questions 40] [--workers 2]
Every request goes to 127.0.0.1 only; the run is bounded by --requests and --timeout and stops the server itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil

from core import jsonl

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"


@dataclass(frozen=True)
class LoadReport:
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    rss_before_mb: float
    rss_after_mb: float
    errors: int  # transport failures and any status but 200
    differing: int  # 200s whose body is not the body the same question got alone

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def questions(n: int) -> list[str]:
    rows = [row for _, row in jsonl.read(QUESTIONS).rows]
    return [r["question"] for r in rows[:n]]


def post(con: http.client.HTTPConnection, question: str) -> tuple[int, bytes]:
    con.request("POST", "/v1/ask", json.dumps({"question": question}).encode(), {"Content-Type": "application/json"})
    r = con.getresponse()
    return r.status, r.read()


def start_server(index: Path, workers: int, env: dict) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "api", "--index", str(index), "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            con.request("GET", "/v1/health")
            if con.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("error: the server did not become healthy; run `python -m api --index DIR` to see why")


def run(index: Path, clients: int, total: int, n_questions: int, workers: int, timeout: float) -> LoadReport:
    """``total`` requests from ``clients`` threads, each on its own connection; then every question once, alone, to
    compare with what the load got."""
    env = {**os.environ, "MYTHQA_API_QUEUE": str(max(64, clients))}  # the load tests answering, not the 503 of a full queue
    proc, port = start_server(index, workers, env)
    server = psutil.Process(proc.pid)
    try:
        asked = questions(n_questions)
        rss_before = server.memory_info().rss / 2**20  # the index loaded and warmed up, no question asked yet
        bodies, latencies, errors, lock, next_i = [], [], [0], threading.Lock(), iter(range(total))

        def client() -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            while True:
                with lock:
                    i = next(next_i, None)
                if i is None:
                    return
                q = asked[i % len(asked)]
                t0 = time.perf_counter()
                try:
                    status, body = post(c, q)
                except (OSError, http.client.HTTPException):
                    status, body = 0, b""
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    errors[0] += status != 200
                    bodies.append((q, status, body))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - t0
        rss_after = server.memory_info().rss / 2**20
        # Afterwards, so the load met cold question caches: each question once more, alone, on one connection.
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        alone = {q: post(con, q)[1] for q in asked}
        differing = sum(status == 200 and body != alone[q] for q, status, body in bodies)
    finally:
        proc.terminate()
        proc.wait(30)
    ms = np.asarray(latencies) * 1000
    return LoadReport(
        clients, len(latencies), seconds, *np.percentile(ms, [50, 95]).round(1), round(float(ms.max()), 1),
        round(rss_before, 1), round(rss_after, 1), errors[0], differing,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.serve_load", description="Load-test the HTTP API on this machine.")
    p.add_argument("--index", type=Path, default=Path("index"))
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--questions", type=int, default=1000, help="distinct questions, the first of eval/questions.jsonl")
    p.add_argument("--workers", type=int, default=2, help="the server's answering threads")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds one request may take")
    args = p.parse_args(argv)
    r = run(args.index, args.clients, args.requests, args.questions, args.workers, args.timeout)
    print(
        f"{r.clients} clients, {r.requests} requests in {r.seconds:.1f} s: {r.per_second:.1f} requests/s; "
        f"latency p50 {r.p50_ms:.0f} ms, p95 {r.p95_ms:.0f} ms, max {r.max_ms:.0f} ms; "
        f"server RSS {r.rss_before_mb:.0f} MB before, {r.rss_after_mb:.0f} MB after; "
        f"errors {r.errors}; answers differing from single-client answers {r.differing}"
    )
    print(json.dumps(r.__dict__ | {"requests_per_second": round(r.per_second, 2)}))
    return 1 if r.errors or r.differing else 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
