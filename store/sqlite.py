"""One way to open the project's small SQLite stores (feedback, conversations): WAL, waiting writers, schema once."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

BUSY_SECONDS = 30.0  # how long a writer waits for the lock: 200 votes at once took under 2 s on this machine
_ready: set[str] = set()  # databases whose mode and schema this process has set
_setting_up = threading.Lock()  # threads of one process set a database up one at a time


def connect(path: Path, setup: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    """A connection whose writes begin IMMEDIATE (they wait out the busy timeout instead of failing when a read
    turns into a write while another thread commits); WAL mode and ``setup`` (the schema) run once per process.

    Switching to WAL takes an exclusive lock that the busy timeout does not always cover, so it is retried.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()  # a file removed since (tests, an operator) needs its schema again
    con = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level="IMMEDIATE")
    key = str(path.resolve())
    if fresh or key not in _ready:
        with _setting_up:
            deadline = time.monotonic() + BUSY_SECONDS
            while True:
                try:
                    con.execute("PRAGMA journal_mode = WAL")
                    with con:
                        setup(con)
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) or time.monotonic() > deadline:
                        con.close()
                        raise
                    time.sleep(0.05)
            _ready.add(key)
    return con
