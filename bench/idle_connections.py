"""Hostile connections against the HTTP API: idle and one-byte-a-second sockets held open while a real question is timed.

Usage: python -m bench.idle_connections [--index DIR] [--idle 200] [--slow 200] [--hold 25] [--burst 300] [--cwd DIR]
Starts `python -m api --index DIR --port P` (from --cwd, default this checkout) on a free loopback port, opens the
attacking sockets, asks `POST /v1/ask` while they are held (the bar: 200 within 10 s), and prints what each kind of
attacker got back, then what --burst questions sent at once get, with the load average. Everything goes to 127.0.0.1
only; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
# A different question each time, so each is answered by the encoders and not from the query cache.
QUESTIONS = (
    "Which drone company stopped selling to Russia?",
    "Who promotes this myth?",
    "Why is the myth wrong?",
    "What does China sell to Russia?",
)
BAR_SECONDS = 10.0  # the bar: a real question is still answered within 10 s while the attack runs
# What a one-byte-a-second client trickles: a request head it never finishes within the hold.
SLOW_HEAD = b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outcome(data: bytes) -> str:
    """``HTTP 408 timeout (json)`` from the bytes a server sent, or ``closed, no response`` when it sent none."""
    if not data:
        return "closed, no response"
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)[1:2] or ["?"]
    try:
        code = json.loads(body).get("status", "?")
        return f"HTTP {status[0]} {code} (json)"
    except ValueError:
        return f"HTTP {status[0]} {body[:40].decode('latin-1')!r} (not json)"


async def attacker(port: int, hold: float, trickle: bool) -> tuple[str, float | None]:
    """Connect, send nothing (or one byte a second), and report what came back and after how many seconds."""
    start = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        return f"connect failed: {e.__class__.__name__}", None

    async def trickling():
        for byte in SLOW_HEAD:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1.0)

    sender = asyncio.create_task(trickling()) if trickle else None
    try:
        data = await asyncio.wait_for(reader.read(65536), hold)
        result = outcome(data), time.monotonic() - start
    except TimeoutError:
        result = "still open at the end", None
    except OSError as e:
        result = f"reset: {e.__class__.__name__}", time.monotonic() - start
    finally:
        if sender:
            sender.cancel()
        writer.close()
    return result


async def ask(port: int, question: str) -> tuple[str, float]:
    """One real `POST /v1/ask` on a fresh connection: its outcome and seconds (30 s at most)."""
    body = json.dumps({"question": question}).encode()
    request = (
        f"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        writer.write(request)
        data = await asyncio.wait_for(reader.read(-1), 30)
        writer.close()
        return outcome(data), time.monotonic() - start
    except (TimeoutError, OSError) as e:
        return f"failed: {e.__class__.__name__}", time.monotonic() - start


async def attack(port: int, idle: int, slow: int, hold: float, server: psutil.Process) -> None:
    started = time.monotonic()
    tasks = [asyncio.create_task(attacker(port, hold, False)) for _ in range(idle)]
    tasks += [asyncio.create_task(attacker(port, hold, True)) for _ in range(slow)]
    for at, question in zip((1.0, hold / 2, hold - 3), QUESTIONS, strict=False):  # 1 s: every socket is open by then
        await asyncio.sleep(max(0.0, at - (time.monotonic() - started)))
        result, seconds = await ask(port, question)
        bar = "meets" if result.startswith("HTTP 200") and seconds <= BAR_SECONDS else "FAILS"
        rss, load = server.memory_info().rss / 2**20, os.getloadavg()[0]
        print(f"  real question at {at:4.1f} s: {result} in {seconds:.2f} s ({bar} the bar; server {rss:.0f} MB; load {load:.2f})")
    results = await asyncio.gather(*tasks)
    for name, part in (("idle", results[:idle]), ("one byte a second", results[idle:])):
        counts = Counter(r for r, _ in part)
        closed = sorted(s for _, s in part if s is not None)
        after = f"; closed after {closed[0]:.1f}–{closed[-1]:.1f} s" if closed else ""
        print(f"  {len(part)} {name}: " + ", ".join(f"{n} × {r}" for r, n in counts.most_common()) + after)


async def burst(port: int, n: int) -> None:
    """``n`` real questions at once: what each got (past the worker queue: a refusal, in JSON) and the slowest."""
    results = await asyncio.gather(*(ask(port, f"{QUESTIONS[i % len(QUESTIONS)]} ({i})") for i in range(n)))
    counts = Counter(r for r, _ in results)
    print(f"  {n} questions at once: " + ", ".join(f"{c} × {r}" for r, c in counts.most_common()), end="")
    print(f"; slowest {max(s for _, s in results):.2f} s; load {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.idle_connections", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=ROOT / "index", help="a built index folder (default: index/)")
    p.add_argument("--idle", type=int, default=200, help="sockets that send nothing")
    p.add_argument("--slow", type=int, default=200, help="sockets that send one byte a second")
    p.add_argument("--hold", type=float, default=25.0, help="seconds the attackers stay connected")
    p.add_argument("--burst", type=int, default=300, help="then this many real questions at once (0: none)")
    p.add_argument("--cwd", type=Path, default=ROOT, help="the checkout whose api is run (another one for a before/after)")
    args = p.parse_args(argv)
    port, tmp = free_port(), tempfile.mkdtemp(prefix="mythqa-idle-")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(args.cwd), "MYTHQA_API_KEYS_DB": f"{tmp}/keys.sqlite3",
           "MYTHQA_OPERATOR_TOKEN_FILE": f"{tmp}/operator.token"}  # fmt: skip
    module = "api" if (args.cwd / "api").is_dir() else "qa.serve"  # a checkout from before the api/ folder
    cmd = [sys.executable, "-m", module, "--index", str(args.index.resolve()), "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=args.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = asyncio.run(wait_ready(port, server))
        if not ready:
            print("the server did not answer in 180 s", file=sys.stderr)
            return 1
        process = psutil.Process(server.pid)
        print(f"api from {args.cwd} on port {port}: {args.idle} idle + {args.slow} one-byte-a-second sockets for {args.hold:.0f} s "
              f"(server {process.memory_info().rss / 2**20:.0f} MB; load {' '.join(f'{x:.2f}' for x in os.getloadavg())})")  # fmt: skip
        asyncio.run(attack(port, args.idle, args.slow, args.hold, process))
        after = asyncio.run(ask(port, QUESTIONS[-1]))
        print(f"  real question after the attack: {after[0]} in {after[1]:.2f} s; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.burst:
            asyncio.run(burst(port, args.burst))
    finally:
        server.terminate()
        server.wait(30)
    return 0


async def wait_ready(port: int, server: subprocess.Popen) -> bool:
    for _ in range(600):
        if server.poll() is not None:
            return False
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if (await reader.read(-1)).startswith(b"HTTP/1.1 200"):
                return True
        except OSError:
            pass
        await asyncio.sleep(0.3)
    return False


if __name__ == "__main__":
    sys.exit(main())
