"""Identity, shares and the chat page checked as a person would: `streamlit run app.py` on an index, headless Chromium.

Usage: python -m bench.browser_identity --index DIR [--port 8599] [--shots DIR]
The app runs with databases of its own in a temporary folder (nothing is written into DIR). Prints one line per check
(ok, or FAILED and why) with the seconds it took and the load average, and exits 1 when a check failed, 2 when the
browser or the app is missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]
FIRST, FOLLOW = "Is China supplying Russia with arms?", "And what about India?"
READING = "Is India supplying Russia with arms?"  # what the follow-up is understood as on the shipped corpus
DANGLING = "In which regions are Moscow and Beijing actually rivals rather than partners?"  # answered by "This applies to…"
LEGACY = "c3" * 16  # an old-style visitor secret, as a ?u= address carried it
MESSAGES = '[data-testid="stChatMessage"]'
BOX = "Ask a question about the myths…"


def _start(index: Path, port: int, data: Path) -> subprocess.Popen:
    env = {**os.environ, "MYTHQA_INDEX": str(index), "MYTHQA_CORPUS": str(ROOT / "corpus"), "HF_HUB_OFFLINE": "1"}
    env |= {"MYTHQA_FEEDBACK_DB": str(data / "feedback.sqlite3"), "MYTHQA_CONVERSATIONS_DB": str(data / "conversations.sqlite3")}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(data / "server.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"the app did not start; see {data / 'server.log'}")


def _ask(page, question: str) -> None:
    n = page.locator(MESSAGES).count()
    box = page.get_by_placeholder(BOX)
    box.fill(question)
    box.press("Enter")
    page.locator(MESSAGES).nth(n + 1).locator('[data-testid="stFeedback"]').wait_for(timeout=180_000)


def _open(browser, url: str, phone: bool = False):
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 1000}
    page = browser.new_context(viewport=size).new_page()
    page.goto(url)
    page.get_by_placeholder(BOX).wait_for(timeout=180_000)
    page.wait_for_timeout(1500)  # the first run's toasts and sidebar
    return page


def _secret(page) -> str:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "mythqa_visitor"), "")


def _past(page) -> list[str]:
    """The conversations the sidebar lists."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    rows = sidebar.locator('[data-testid="stElementContainer"][class*="st-key-open-"]').all()
    return [row.locator("button").first.inner_text() for row in rows]


def _popover(page, n: int):
    page.locator(MESSAGES).nth(n).get_by_role("button", name="Share").click()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.wait_for()
    page.wait_for_timeout(500)
    return body


def _numbers(page, n: int) -> list[int]:
    """The citation numbers of answer ``n``'s markers, in reading order."""
    text = page.locator(MESSAGES).nth(n).locator('[data-testid="stMarkdownContainer"]').first.inner_text()
    return [int(m) for m in re.findall(r"\[(\d+)\]", text)]


def checks(browser, url: str, db: Path, shots: Path | None):
    """Each check as (name, function returning "" when it holds, else what went wrong)."""
    from store.conversations import ConversationStore
    from ui.identity import legacy_owner

    a = _open(browser, url)
    state: dict = {}

    def cookie() -> str:
        _ask(a, FIRST)
        c = [c for c in a.context.cookies() if c["name"] == "mythqa_visitor"]
        state["address"] = a.url
        if "u=" in a.url or not re.search(r"[?&]c=[0-9a-f]{32}", a.url):
            return f"the address is {a.url}"
        return "" if c and c[0]["sameSite"] == "Strict" and re.fullmatch(r"[0-9a-f]{32}", c[0]["value"]) else f"cookie {c}"

    def reload() -> str:
        _ask(a, FOLLOW)
        before = a.locator(MESSAGES).all_inner_texts()
        a.reload()
        a.locator(MESSAGES).nth(3).locator('[data-testid="stFeedback"]').wait_for(timeout=60_000)
        if a.locator(MESSAGES).all_inner_texts() != before:
            return "the conversation did not come back"
        return "" if _past(a) == [FIRST] else f"the sidebar lists {_past(a)}"  # and _past reads the list (used below)

    def other_browser() -> str:
        b = _open(browser, state["address"])  # the whole address bar, pasted into another browser
        seen = b.locator("body").inner_text()
        b.context.close()
        return "" if FIRST not in seen and "Past conversations" not in seen else "another browser saw the conversation"

    def forged() -> str:
        c = _open(browser, f"{url}/?u={LEGACY}")
        _ask(c, "Why is the myth wrong?")
        mine, after = _secret(c), c.url
        d = _open(browser, f"{url}/?u={LEGACY}")
        theirs, listed = _secret(d), _past(d)
        for page in (c, d):
            page.context.close()
        if LEGACY in (mine, theirs) or "u=" in after or listed:
            return f"cookies {mine}/{theirs}, address {after}, listed {listed}"
        return ""

    def moved_once() -> str:
        store = ConversationStore(db)
        turn = store.load(re.search(r"c=([0-9a-f]{32})", state["address"])[1]).turns[0]
        store.add("e" * 32, dataclasses.replace(turn, id="d" * 32), legacy_owner(LEGACY))  # an old ?u= visitor's conversation
        e = _open(browser, f"{url}/?c={'e' * 32}&u={LEGACY}")
        got, address = e.locator(MESSAGES).count(), e.url
        f = _open(browser, f"{url}/?c={'e' * 32}&u={LEGACY}")
        late = f.locator(MESSAGES).count()
        for page in (e, f):
            page.context.close()
        return "" if got == 2 and "u=" not in address and late == 0 else f"first {got} messages at {address}; second {late}"

    def shared_follow_up() -> str:
        body = _popover(a, 3)
        body.get_by_role("button", name="Make a read-only link to this answer").click()
        link = a.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]').filter(has_text="?s=").first
        link.wait_for()
        shared = link.inner_text().replace("\n", "").strip()
        a.keyboard.press("Escape")
        g = _open(browser, shared)
        seen = g.locator("body").inner_text()
        g.context.close()
        leaked = [w for w in (FIRST, READING, "Understood as", "Read against") if w in seen]
        return "" if "?s=" in shared and FOLLOW in seen and not leaked else f"{shared} shows {leaked or 'not the question'}"

    def citations() -> str:
        _ask(a, DANGLING)
        order = [list(dict.fromkeys(_numbers(a, n))) for n in range(1, a.locator(MESSAGES).count(), 2)]
        bad = [o for o in order if o != list(range(1, len(o) + 1))]
        text = a.locator(MESSAGES).last.inner_text()
        if shots:
            a.screenshot(path=str(shots / "screenshot.png"))
        return "" if not bad and "Context, the sentence before:" in text else f"answers {bad}; last: {text[:200]}"

    def popover_beside() -> str:
        body = _popover(a, 5).bounding_box()
        button = a.locator(MESSAGES).nth(5).get_by_role("button", name="Share").bounding_box()
        sidebar = a.locator('[data-testid="stSidebar"]').bounding_box()
        a.keyboard.press("Escape")
        p = _open(browser, url, phone=True)
        _ask(p, "Is China arming Russia?")
        if shots:
            p.screenshot(path=str(shots / "screenshot-phone.png"))
        small = _popover(p, 1).bounding_box()
        p.context.close()
        beside = body["x"] >= sidebar["x"] + sidebar["width"] and abs(body["x"] - button["x"]) < 4
        ok = beside and 0 <= small["x"] and small["x"] + small["width"] <= 390
        return "" if ok else f"desktop {body} (button {button}, sidebar {sidebar}); phone {small}"

    return [
        ("the cookie holds the identity, the address none", cookie),
        ("reload restores the conversation", reload),
        ("the full address in another browser shows nothing", other_browser),
        ("a ?u= link fixes nobody's identity", forged),
        ("an old ?u= address moves its conversations once", moved_once),
        ("a shared follow-up shows no earlier words", shared_follow_up),
        ("citations read 1, 2, 3; a dangling sentence has its context", citations),
        ("the Share popover stays beside its button (1280 and 390 wide)", popover_beside),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True, help="a built index folder (read only)")
    ap.add_argument("--port", type=int, default=8599)
    ap.add_argument("--shots", type=Path, help="write screenshot.png and screenshot-phone.png here")
    args = ap.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright is not installed: pip install -r requirements-test.txt", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"No Chromium at {CHROMIUM}: install Debian's chromium package.", file=sys.stderr)
        return 2
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        proc = _start(args.index.resolve(), args.port, Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for name, check in checks(browser, f"http://127.0.0.1:{args.port}", Path(tmp) / "conversations.sqlite3", args.shots):
                    t0 = time.perf_counter()
                    try:
                        wrong = check()
                    except Exception as e:  # a timeout or a missing element is a failed check, not a crash
                        wrong = f"{type(e).__name__}: {str(e).splitlines()[0]}"
                    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
                    took = f"({time.perf_counter() - t0:.1f} s, load {load})"
                    print(f"{'ok    ' if not wrong else 'FAILED'} {name} {took}{': ' + wrong if wrong else ''}")
                    failed += bool(wrong)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
