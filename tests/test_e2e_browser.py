"""End to end in a real browser: `streamlit run app.py` on a loopback port, driven by headless Chromium (Playwright)."""

from __future__ import annotations

import os
import re
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
        missing = "Playwright for Python is not installed (pip install -r requirements-test.txt; make test does)"
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


def ready(url: str, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    """Wait until ``url`` answers 200; fail with the end of ``log`` when ``proc`` exits or ``deadline`` passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not come up: {log.read_text()[-3000:]}")
        time.sleep(0.3)


@pytest.fixture
def server(tmp_path, shipped_index, seed_corpus, encoder):
    """The app on a free loopback port, over the shipped corpus (with its sources.toml) plus a file full of markup."""
    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    (seed_corpus / "myth-90-markup.txt").write_text(INJECTION, encoding="utf-8")
    shutil.copy(ROOT / "corpus" / "sources.toml", seed_corpus)  # the seed text's original page, for the source links
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
        ready(f"{url}/_stcore/health", proc, tmp_path / "server.log", time.monotonic() + 60)
        yield url, index
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# Counts the page's messages after every change React makes to it, from Enter until the answer is drawn: an earlier turn
# missing for a moment, a turn shown twice or an earlier answer's buttons left under the new one would all be caught.
WATCH = """() => {
  const seen = {fewest: Infinity, most: 0, buttons: 0};
  const count = () => {
    const messages = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
    seen.fewest = Math.min(seen.fewest, messages.length);
    seen.most = Math.max(seen.most, messages.length);
    for (const m of messages) seen.buttons = Math.max(seen.buttons, m.querySelectorAll('[data-testid="stFeedback"]').length);
  };
  count();
  window.__watch = {seen, observer: new MutationObserver(count)};
  window.__watch.observer.observe(document.body, {childList: true, subtree: true});
}"""


def _ask(page, question: str, n_messages: int, placeholder: str = "Ask a question about the myths…") -> None:
    page.evaluate(WATCH)
    box = page.get_by_placeholder(placeholder)
    box.fill(question)
    box.press("Enter")
    message = page.locator('[data-testid="stChatMessage"]').nth(n_messages - 1)
    message.wait_for(timeout=60_000)
    message.locator('[data-testid="stMarkdownContainer"]').first.wait_for()
    message.locator('[data-testid="stFeedback"]').wait_for()  # the whole answer is drawn
    seen = page.evaluate("() => { window.__watch.observer.disconnect(); return window.__watch.seen; }")
    assert seen == {"fewest": n_messages - 2, "most": n_messages, "buttons": 1}, seen


def _record(context, url: str) -> list[str]:
    """Every request and websocket the pages of ``context`` open, to check that none leaves the app's address."""
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    context.on("page", lambda page: page.on("websocket", lambda ws: seen.append(ws.url)))
    return seen


def _outside(seen: list[str], url: str) -> list[str]:
    local = (url + "/", url.replace("http://", "ws://") + "/", "data:", "blob:")  # data: and blob: never touch a network
    return sorted({u for u in seen if not u.startswith(local) and u != url})


def _launch(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def test_ask_in_a_real_browser(server, tmp_path):
    sync_playwright = _browser_or_skip()
    url, index = server
    (chunk,) = [c for c in read_chunks(layout.resolve(index)) if GOLD in c.text]
    citation = f"[1] Myth {chunk.myth} · {chunk.section} · ¶{chunk.paragraph}"
    with sync_playwright() as p:
        browser = _launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        seen = _record(context, url)
        page = context.new_page()
        page.goto(url)
        page.get_by_placeholder("Ask a question about the myths…").wait_for(timeout=120_000)  # first session loads the model
        _ask(page, QUESTION, 2)
        answer = page.locator('[data-testid="stChatMessage"]').nth(1)
        first = answer.locator('[data-testid="stExpander"]').first
        assert first.locator("summary").inner_text().splitlines()[-1].strip().startswith(citation + " — There is no evidence")
        body = first.locator('[data-testid="stExpanderDetails"]')
        assert not body.get_by_text("Instead of evading Western sanctions").is_visible()  # collapsed: the answer stays in view

        # Clicking the [1] marker opens its source and scrolls to it.
        answer.locator('a[href^="#src-"]').first.click()
        body.get_by_text(GOLD).first.wait_for(state="visible")
        assert " ".join(chunk.text.split()) in " ".join(body.inner_text().split())
        assert "original page" in body.inner_text()
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
        markup = page.locator('[data-testid="stChatMessage"]').nth(3)
        markup.get_by_text("<script>window.pwned=1</script>").first.wait_for(state="visible")
        assert "[the full story](javascript:window.pwned=3)" in markup.text_content()
        assert page.evaluate("window.pwned") is None
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator('img[src="x"]').count() == 0

        # A 10,000-character question is answered (the engine truncates it) and shown shortened.
        _ask(page, "Why is the myth wrong? " * 435, 6)
        assert "(10,004 characters)" in page.locator('[data-testid="stChatMessage"]').nth(4).inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0

        # Reload: the conversation comes back from its address.
        assert re.search(r"[?&]c=", page.url) and not re.search(r"[?&]u=", page.url)  # this conversation; the visitor is a cookie
        shown = lambda m: m.locator('[data-testid="stMarkdownContainer"]').first.inner_text()  # noqa: E731
        before = [shown(m) for m in page.locator('[data-testid="stChatMessage"]').all()]
        page.reload()
        page.locator('[data-testid="stChatMessage"]').nth(5).locator('[data-testid="stFeedback"]').wait_for(timeout=60_000)
        assert [shown(m) for m in page.locator('[data-testid="stChatMessage"]').all()] == before and len(before) == 6
        assert GOLD in before[1]

        # The first answer's permalink, opened in a new tab, asks the question again and gives the same answer.
        answer = page.locator('[data-testid="stChatMessage"]').nth(1)
        answer.get_by_role("button", name="Share").click()
        link = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]').first.inner_text().replace("\n", "").strip()
        assert link.startswith(f"{url}?q=Is+China+supplying+Russia") and "u=" not in link and "c=" not in link
        other = context.new_page()
        other.goto(link)
        reply = other.locator('[data-testid="stChatMessage"]').nth(1)
        reply.locator('[data-testid="stFeedback"]').wait_for(timeout=60_000)
        assert shown(reply) == shown(answer) and GOLD in shown(reply)
        assert "index changed" not in reply.inner_text()
        assert re.search(r"[?&]c=", other.url) and other.url != page.url
        assert _outside(seen, url) == []  # nothing but the app itself: no fonts, icons or telemetry from elsewhere
        browser.close()


def test_phone_layout_and_claim_check_in_a_real_browser(server, tmp_path):
    sync_playwright = _browser_or_skip()
    url, _index = server
    with sync_playwright() as p:
        browser = _launch(p)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        seen = _record(context, url)
        page = context.new_page()
        page.goto(url)
        page.get_by_placeholder("Ask a question about the myths…").wait_for(timeout=120_000)
        _ask(page, QUESTION, 2)
        first_sentence = page.locator('[data-testid="stChatMessage"]').nth(1).locator("p").first
        assert GOLD in first_sentence.inner_text()
        box = first_sentence.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box  # above the fold, as the screenshot shows
        shot = tmp_path / "phone.png"
        page.screenshot(path=str(shot))
        if os.environ.get("MYTHQA_SCREENSHOT_PHONE"):
            shutil.copy(shot, os.environ["MYTHQA_SCREENSHOT_PHONE"])

        page.get_by_role("radio", name="Check a claim").click()
        _ask(page, "China is arming Russia for the war in Ukraine", 4, placeholder="Paste a claim to check against the myths…")
        verdict = page.locator('[data-testid="stChatMessage"]').nth(3)
        assert verdict.locator("p").first.inner_text().startswith("This claim matches Myth 10: ‘Russia and China are joining forces")
        assert verdict.locator('a[href^="#src-"]').count() >= 1 and "Why is it wrong?" in verdict.inner_text()
        assert _outside(seen, url) == []
        browser.close()
