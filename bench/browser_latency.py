"""Enter to answer in the browser: headless Chromium asks 20 questions in one conversation of the app as a reader would.

Usage: python -m bench.browser_latency [--index index] [--port 8531] [--questions 20] [--phone]
Starts the app on the index (stores in a temporary folder), then for each question times Enter to the answer's first
sentence shown and to the whole answer drawn (its vote buttons). Prints each, their medians and p95, by position in the
conversation, and the load average before and after. The questions are the first ones of eval/questions.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.browser_identity import ARGS, BOX, CHROMIUM, ROOT, _open, _start
from core.layout import default_index


def _questions(n: int) -> list[str]:
    rows = (json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    return [r["question"] for r in rows if not r.get("follows")][:n]


# The last message is the answer to ``q`` (asked just before it) and holds ``part`` outside the spinner, whose words are
# markdown too: a conversation may show only its latest questions, so counting messages does not find the new answer.
_ANSWERED = """([q, part]) => {
  const m = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
  return m.length >= 2 && m[m.length - 2].innerText.includes(q)
    && [...m[m.length - 1].querySelectorAll(part)].some(e => !e.closest('[data-testid="stSpinner"]'));
}"""


def _time(page, question: str) -> tuple[float, float]:
    box = page.get_by_placeholder(BOX)
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(_ANSWERED, arg=[question[:25], '[data-testid="stMarkdownContainer"]'], timeout=120_000, polling=5)
    shown = time.perf_counter() - t0
    page.wait_for_function(_ANSWERED, arg=[question[:25], '[data-testid="stFeedback"]'], timeout=120_000, polling=5)
    return shown * 1000, (time.perf_counter() - t0) * 1000


def _summary(name: str, ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, round(0.95 * len(ms)) - 1)]
    return f"{name}: median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms"


def run(index: Path, port: int, count: int, phone: bool) -> None:
    from playwright.sync_api import sync_playwright

    os.environ["MYTHQA_QUESTIONS_PER_MINUTE"] = "1000"  # 21 questions in under a minute: past a reader's limit of 20
    with tempfile.TemporaryDirectory() as tmp:
        proc = _start(index, port, Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = _open(browser, f"http://127.0.0.1:{port}/", phone=phone)
                _time(page, "Who wrote this?")  # the first answer of a server loads the page's parts: not what a reader waits
                load = os.getloadavg()[0]
                shown, drawn = [], []
                for q in _questions(count):
                    s, d = _time(page, q)
                    shown.append(s)
                    drawn.append(d)
                    print(f"{s:6.0f} {d:6.0f} ms  {q}")
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    half = len(shown) // 2
    print(_summary("Enter to the first sentence", shown))
    print(_summary("Enter to the whole answer", drawn))
    print(_summary(f"first sentence, questions 1-{half}", shown[:half]) + "; " + _summary(f"{half + 1}-{len(shown)}", shown[half:]))
    print(f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after ({'phone' if phone else 'desktop'} viewport)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.browser_latency", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None, help="index folder (default: MYTHQA_INDEX or index/)")
    ap.add_argument("--port", type=int, default=8531)
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--phone", action="store_true", help="a 390 x 844 viewport")
    args = ap.parse_args(argv)
    run((args.index or default_index()).resolve(), args.port, args.questions, args.phone)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
