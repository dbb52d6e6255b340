"""The API's per-key sliding window kept in PostgreSQL, so every API process on every host counts against one limit."""

from __future__ import annotations

import time
from contextlib import closing

from store.db import Database, connect
from store.postgres import RATE_LOCK_CLASS


class SharedWindow:
    """core.throttle.Throttle's ``wait``, counted in the database: at most ``per_minute`` events per key in any ``window`` s.

    Each call takes an advisory lock on its key for one transaction, so two processes counting the same key at once see
    each other's events; times are the database server's clock, so hosts whose clocks differ still share one window.
    """

    def __init__(self, database: Database, per_minute: int, window: float = 60.0):
        self.db = database
        self.per_minute = per_minute
        self.window = window
        self._swept = 0.0  # when this process last removed every key's expired events

    def wait(self, key: str) -> float:
        """0 and the event is counted, or the seconds to wait before the next one is allowed (not counted)."""
        with closing(connect(self.db)) as con, con:
            con.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (RATE_LOCK_CLASS, key))
            now = con.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0]
            if time.monotonic() - self._swept >= self.window:  # keys seen once would otherwise stay forever
                con.execute("DELETE FROM rate_events WHERE at <= ?", (now - self.window,))
                self._swept = time.monotonic()
            else:
                con.execute("DELETE FROM rate_events WHERE key = ? AND at <= ?", (key, now - self.window))
            seen, first = con.execute("SELECT count(*), min(at) FROM rate_events WHERE key = ?", (key,)).fetchone()
            if self.per_minute and seen >= self.per_minute:
                return self.window - (now - first)
            con.execute("INSERT INTO rate_events (key, at) VALUES (?, ?)", (key, now))
            return 0.0
