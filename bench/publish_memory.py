"""Resident memory of a serving process while the index is republished: does it stay flat over many publishes?

Usage: python -m bench.publish_memory [--publishes 20] [--app] [--republish ingest|copy] [--root DIR] [--index index]

Starts the API (`python -m api`), or with --app the chat (`streamlit run app.py`, driven by headless Chromium
through Playwright, each question a new visit), over a private copy of the published index and the corpus in /tmp,
then republishes N times. "ingest" runs `python -m ingest --full` (what an editor runs; it carries a tuned query encoder
over, so `make index`'s `learn.tune --publish` would be a no-op and is not run); "copy" publishes a version of the same
files under a new id (seconds instead of a minute; the server loads it exactly as it loads a rebuilt one). After each
publish one question is asked, so the server loads the new version, and the server's RSS is printed with the load
average. --root serves another checkout (e.g. an export of an older commit, for figures before a change). The model
cache is a private one of hard links, so pruning during the run never touches the user's own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who promotes this myth?"
STARTUP_SECONDS = 180  # the chat loads two ONNX models on a busy 2-core machine before it answers
ANSWER_SECONDS = 180  # a question after a publish waits for the new version to load


def republish(index_dir: Path) -> str:
    """Publish the published version's files again under a new version id (hard links); returns the new id."""
    from ingest.publish import derive

    return derive(index_dir, {})


def private_copy(index: Path, corpus: Path, work: Path) -> dict[str, str]:
    """Copy the published version and the corpus into ``work``; returns the environment the server and builds run with."""
    from core import layout

    src = layout.resolve(index)
    shutil.copytree(src, work / "index" / layout.VERSIONS / src.name)
    (work / "index" / layout.POINTER).write_text(src.name + "\n")
    shutil.copytree(corpus, work / "corpus")
    if layout.cache_dir().is_dir():  # the exports and the joined mpnet model, linked: no copy, no re-export
        shutil.copytree(layout.cache_dir(), work / "cache", copy_function=os.link, ignore=shutil.ignore_patterns(layout.LOCK))
    env = {"MYTHQA_INDEX": str(work / "index"), "MYTHQA_CORPUS": str(work / "corpus"), "MYTHQA_CACHE": str(work / "cache")}
    return os.environ | env | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


class Api:
    """The HTTP API on a free port; ``ask`` returns the version that answered."""

    def __init__(self, root: Path, env: dict, log):
        self.url = f"http://127.0.0.1:{free_port()}"
        cmd = [sys.executable, "-m", "api", "--port", self.url.rsplit(":", 1)[1]]
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/v1/health", self.proc, STARTUP_SECONDS)

    def ask(self) -> str:
        body = json.dumps({"question": QUESTION}).encode()
        req = urllib.request.Request(f"{self.url}/v1/ask", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=ANSWER_SECONDS) as r:
            json.load(r)
        with urllib.request.urlopen(f"{self.url}/v1/health", timeout=ANSWER_SECONDS) as r:
            return json.load(r)["version"]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class App:
    """The chat on a free port, and headless Chromium visiting it."""

    def __init__(self, root: Path, env: dict, log, chromium: str):
        from playwright.sync_api import sync_playwright

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)]
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/_stcore/health", self.proc, STARTUP_SECONDS)
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        self.page = self._browser.new_page()

    def ask(self) -> str:
        """A new visit (the page loaded afresh: its own session, so no per-visitor limit is reached) asking one question."""
        self.page.goto(self.url)
        box = self.page.get_by_placeholder("Ask a question about the myths…")
        box.wait_for(timeout=ANSWER_SECONDS * 1000)
        box.fill(QUESTION)
        box.press("Enter")
        reply = self.page.locator('[data-testid="stChatMessage"]').nth(1)
        reply.locator('[data-testid="stFeedback"]').wait_for(timeout=ANSWER_SECONDS * 1000)  # the whole answer is drawn
        return ""  # the page does not show the version: a question runs the script, which loads the published one

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()
        self.proc.terminate()
        self.proc.wait(timeout=30)


def rebuild(how: str, root: Path, env: dict, log) -> str:
    """Republish the private index; returns the published version."""
    index = Path(env["MYTHQA_INDEX"])
    if how == "copy":
        return republish(index)
    cmd = [sys.executable, "-m", "ingest", "--full", "--quiet", "--index", str(index), "--corpus", env["MYTHQA_CORPUS"]]
    rc = subprocess.run(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc > 1:  # 1: some files skipped, index published
        raise SystemExit(f"`python -m ingest --full` failed with exit code {rc}")
    return (index / "CURRENT").read_text().strip()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())  # 1, 5 and 15 minutes: the machine is shared


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.publish_memory", description=__doc__.split("\n")[0])
    p.add_argument("--publishes", type=int, default=20, help="republishes (default 20)")
    p.add_argument("--app", action="store_true", help="measure the Streamlit chat instead of the API")
    p.add_argument("--republish", choices=("ingest", "copy"), default="ingest", help="how to publish a new version (default ingest)")
    p.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    p.add_argument("--index", type=Path, default=ROOT / "index", help="index to copy (never written; default index/)")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus to copy (default corpus/)")
    p.add_argument("--max-rss-mb", type=float, default=6000, help="stop once the server holds this much (a shared machine; default 6000)")
    p.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium for --app (default /usr/bin/chromium)")
    args = p.parse_args(argv)
    import psutil

    work = Path(tempfile.mkdtemp(prefix="mythqa-publish-memory-"))
    env = private_copy(args.index, args.corpus, work)
    os.environ["MYTHQA_CACHE"] = env["MYTHQA_CACHE"]  # "copy" publishes from here, and publishing prunes the cache
    log = open(work / "server.log", "w")  # noqa: SIM115 - closed below, after the server
    what = "app" if args.app else "API"
    print(f"{what} of {args.root} over a copy in {work}; republishing by {args.republish}", flush=True)
    server = App(args.root, env, log, args.chromium) if args.app else Api(args.root, env, log)
    try:
        rss = lambda: psutil.Process(server.proc.pid).memory_info().rss / 2**20  # noqa: E731
        t0 = time.perf_counter()
        server.ask()  # the first visitor: with the index warmed at start, no load to wait for
        print(f"first question answered {time.perf_counter() - t0:.1f} s after the server came up  load {_load()}", flush=True)
        start = rss()
        print(f"publish  0  RSS {start:7.0f} MB  x1.00  load {_load()}", flush=True)
        for n in range(1, args.publishes + 1):
            version = rebuild(args.republish, args.root, env, log)
            answered = server.ask()
            if answered and answered != version:
                raise SystemExit(f"publish {n}: the API answered from {answered}, not the published {version}")
            now = rss()
            print(f"publish {n:2d}  RSS {now:7.0f} MB  x{now / start:.2f}  load {_load()}", flush=True)
            if now > args.max_rss_mb:
                print(f"stopped: over --max-rss-mb {args.max_rss_mb:.0f}", flush=True)
                break
    finally:
        server.close()
        log.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
