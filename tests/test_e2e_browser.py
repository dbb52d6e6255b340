"""End to end in a real browser: `streamlit run app.py` on a loopback port, driven by headless Chromium (Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core import layout
from core.artifacts import read_chunks
from ingest.build import run_ingest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "Is China supplying Russia with arms to replace equipment lost in Ukraine?"
GOLD = "There is no evidence that China is helping Russia to replace the hardware it has lost in the war"
INJECTION = (
    "Myth 90: ‘Submarines cannot be detected at sea’\nAda\nExample\nResearch Fellow, Example Institute\n"
    "Patient listening finds even quiet submarines.\nWho advocates or subscribes to it?\n"
    "Some bloggers print <script>window.pwned=1</script> next to claims that <img src=x onerror=window.pwned=2> "
    "submarine stealth is perfect, and link [the full story](javascript:window.pwned=3) as proof.\n"
)


def _browser_or_skip():
    """Chromium and Playwright, or a skip with the reason (a failure under CI=true, where both must be present)."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright for Python is not installed (pip install -r requirements.txt)"
    if missing is None and not CHROMIUM.exists():
        missing = f"no Chromium at {CHROMIUM} (install Debian's `chromium` package; .ci/run does)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, shipped_index, seed_corpus, encoder):
    """The app on a free loopback port, over the shipped corpus plus a file full of markup."""
    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    (seed_corpus / "myth-90-markup.txt").write_text(INJECTION, encoding="utf-8")
    assert run_ingest(seed_corpus, index, progress=False, encoders={"minilm": encoder}).exit_code == 0  # embeds only the new file
    port = _free_port()
    env = {
        **os.environ,
        "MYTHQA_INDEX": str(index),
        "MYTHQA_CORPUS": str(seed_corpus),
        "MYTHQA_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below, after the process
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield url, index
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _ask(page, question: str, n_messages: int) -> None:
    box = page.get_by_placeholder("Ask a question about the myths…")
    box.fill(question)
    box.press("Enter")
    page.locator('[data-testid="stChatMessage"]').nth(n_messages - 1).wait_for(timeout=60_000)
    page.locator('[data-testid="stChatMessage"]').nth(n_messages - 1).locator('[data-testid="stMarkdownContainer"]').first.wait_for()


def test_ask_in_a_real_browser(server, tmp_path):
    sync_playwright = _browser_or_skip()
    url, index = server
    (chunk,) = [c for c in read_chunks(layout.resolve(index)) if GOLD in c.text]
    citation = f"[1] Myth {chunk.myth} · {chunk.section} · ¶{chunk.paragraph}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        page.get_by_placeholder("Ask a question about the myths…").wait_for(timeout=120_000)  # first session loads the model
        _ask(page, QUESTION, 2)
        first = page.locator('[data-testid="stExpander"]').first
        assert first.locator("summary").inner_text().splitlines()[-1].strip() == citation  # after the arrow icon
        body = first.locator('[data-testid="stExpanderDetails"]')
        body.get_by_text(GOLD).first.wait_for(state="visible")
        assert " ".join(chunk.text.split()) in " ".join(body.inner_text().split())
        shot = tmp_path / "answer.png"
        page.screenshot(path=str(shot))
        if os.environ.get("MYTHQA_SCREENSHOT"):
            shutil.copy(shot, os.environ["MYTHQA_SCREENSHOT"])

        # The conversation downloads as Markdown with its citations (built on click).
        with page.expect_download() as download:
            page.locator('[data-testid="stDownloadButton"]').first.locator("button").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert f"## 1. {QUESTION}" in text and f"1. {citation[4:]} — myth-10-russia-and-china-joining-forces.txt" in text

        # Markup in the corpus arrives as text: no script ran, no image loaded, no javascript: link exists.
        _ask(page, "Which bloggers say that submarine stealth is perfect?", 4)
        answer = page.locator('[data-testid="stChatMessage"]').nth(3)
        answer.get_by_text("<script>window.pwned=1</script>").first.wait_for(state="visible")
        assert "[the full story](javascript:window.pwned=3)" in answer.inner_text()
        assert page.evaluate("window.pwned") is None
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator('img[src="x"]').count() == 0

        # A 10,000-character question is answered (the engine truncates it) and shown shortened.
        _ask(page, "Why is the myth wrong? " * 435, 6)
        assert "(10,004 characters)" in page.locator('[data-testid="stChatMessage"]').nth(4).inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
