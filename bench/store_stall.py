"""How long an answer and a vote wait when another process holds the conversation store's write lock.

Another process runs `BEGIN EXCLUSIVE` on conversations.sqlite3 and holds it; meanwhile this process saves a turn the way
the app does (ui.actions.keep: the limit reads, then ConversationStore.add) and records a vote (ui.rating.save: the
feedback store and the conversation's copy), timing each and printing what the reader is told. With --index, the same
through the whole app (Streamlit's AppTest: a question asked, then a thumbs down), with the lock and without it.
Usage: python -m bench.store_stall [--hold SECONDS] [--index DIR]
The settings under test come from the environment: MYTHQA_STORE_BUSY_SECONDS=30 MYTHQA_STORE_RETRY_SECONDS=0 is the
store as it was before writes were retried (a 30 s wait, then a failure).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOLD = """import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


def _lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding ``path``'s write lock for ``seconds``; returns once it holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _turn(n: int):
    from qa.types import Answer, AnswerSentence, Passage
    from store.turn import Turn

    p = Passage(1, 0.5, "China did not help.", 1, 10, "T", "A", "Why is it wrong?", 3, "m.txt", None, uid="u1")
    answer = Answer(f"Question {n}?", True, "", (AnswerSentence("China did not help.", 0, 0, 19, 0.9),), (p,))
    return Turn(f"{n:032x}", answer, "v1", 10.0, asked_at=time.time())


def stores_path(work: Path, hold: float) -> None:
    """The store calls of ui.actions.keep and ui.rating.save, timed with the conversation store locked."""
    from store import background
    from store.conversations import ConversationStore
    from store.turn import Feedback
    from store.votes import FeedbackStore
    from ui import rating

    conversations, votes = ConversationStore(work / "conversations.sqlite3"), FeedbackStore(work / "feedback.sqlite3")
    settings = background.shared().settings
    print(f"store settings: wait {settings.store_busy_seconds:g} s for the lock, retry {settings.store_retry_seconds:g} s")
    owner = "bench"
    conversations.add("a" * 32, _turn(1), owner)  # the stores exist, with a conversation to vote in
    votes.record("warm", _turn(0).answer, "right", "", "v1")
    locker = _lock(conversations.path, hold)
    released = time.monotonic() + hold
    t0 = time.perf_counter()
    reads = conversations.count("a" * 32, owner), conversations.conversations(owner)  # keep()'s limit checks
    turn = _turn(2)
    saved = conversations.add("b" * 32, turn, owner)
    answer_s = time.perf_counter() - t0
    print(f"answer, save path:  {answer_s:6.2f} s  -> {saved.says('This answer')}  (read {reads}; load {_load()})")
    t0 = time.perf_counter()
    told = rating.save(votes, conversations, turn, Feedback(), Feedback("wrong", ""), owner)
    print(f"vote:               {time.perf_counter() - t0:6.2f} s  -> {told}  (load {_load()})")
    locker.wait()
    landed = background.shared().flush(settings.store_retry_seconds + 5)
    after = time.monotonic() - released
    print(f"lock released; retried writes {'all landed' if landed else 'NOT all landed'} {after:.2f} s after it;"
          f" turn stored: {conversations.count('b' * 32, owner) == 1}")  # fmt: skip


def app_path(index: Path, work: Path, hold: float) -> None:
    """A question and a thumbs down through the whole app (AppTest), without and then with the lock held."""
    from streamlit.testing.v1 import AppTest

    os.environ.update(MYTHQA_INDEX=str(index), MYTHQA_FEEDBACK_DB=str(work / "app-feedback.sqlite3"))
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    db = work / "conversations.sqlite3"
    for n, locked in enumerate((False, False, True)):  # the first run loads the model: not counted
        at = AppTest.from_file(app, default_timeout=600).run()
        locker = _lock(db, hold) if locked else None
        t0 = time.perf_counter()
        at.chat_input[0].set_value(f"Did China help Russia? ({n})").run()
        asked, told = time.perf_counter() - t0, _told(at)
        t0 = time.perf_counter()
        at.feedback[0].set_value(0).run()
        voted = time.perf_counter() - t0
        if n:
            print(f"app, lock {'held' if locked else 'free'}: question {asked:6.2f} s, vote {voted:6.2f} s (load {_load()})")
            print(f"  told after the question: {told or '-'}\n  told after the vote: {_told(at) or '-'}")
        if locker is not None:
            locker.wait()


def _told(at) -> str:
    """The page's toasts as the reader sees them (Markdown escapes removed)."""
    return " | ".join(re.sub(r"\\(.)", r"\1", t.value) for t in at.toast)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.store_stall", description=__doc__.splitlines()[0])
    p.add_argument("--hold", type=float, default=10.0, help="seconds the other process holds the lock (default 10)")
    p.add_argument("--index", type=Path, default=None, help="also time the whole app over this index (loads its models)")
    args = p.parse_args(argv)
    logging.getLogger("mythqa.stores").setLevel(logging.ERROR)  # the figures say it; the warnings would repeat it
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["MYTHQA_CONVERSATIONS_DB"] = str(work / "conversations.sqlite3")
        stores_path(work, args.hold)
        if args.index is not None:
            app_path(args.index, work, args.hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
