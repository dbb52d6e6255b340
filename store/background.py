"""Writes to the stores that never hold up an answer: a short wait for the lock, then retries in the background."""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import psycopg

from core import settings
from store.db import ERRORS, StoreUnavailable

log = logging.getLogger("mythqa.stores")

SAVED, RETRYING, READ_ONLY, FAILED = "saved", "retrying", "read-only", "failed"
_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


WriteSettings = settings.WriteSettings  # MYTHQA_STORE_BUSY_SECONDS, MYTHQA_STORE_RETRY_SECONDS, MYTHQA_STORE_RETRY_PAUSE


@dataclass(frozen=True)
class Outcome:
    """What became of one write: saved, retrying in the background, or not saved (the store is read-only, or failed)."""

    state: str
    store: str  # what a person calls the store: "conversation store", "feedback store"
    retry_seconds: float = 0.0
    done: Future | None = field(default=None, compare=False, repr=False)  # a retried write's result: True once saved

    @property
    def saved(self) -> bool:
        return self.state == SAVED

    def says(self, what: str) -> str:
        """One sentence for a person about ``what`` ("This answer", "Your vote"): saved only when it is."""
        if self.state == SAVED:
            return f"{what} is saved."
        if self.state == RETRYING:
            return f"{what} is not saved yet: the {self.store} is busy, and saving is retried for {self.retry_seconds:.0f} s."
        if self.state == READ_ONLY:
            return f"{what} could not be saved: the {self.store} is read-only. Tell the operator (its file and folder must be writable)."
        return f"{what} could not be saved: the {self.store} failed (the server log says why). Please try again."


def kind(error: Exception) -> str:
    """RETRYING for a lock another connection holds, READ_ONLY for a store that takes no writes, else FAILED.

    PostgreSQL: a lock wait past ``lock_timeout``, a deadlock or a serialisation conflict is busy; so is a server that
    cannot be reached (a restart or a fail-over takes seconds: the write is retried, not lost).
    """
    if isinstance(error, psycopg.Error | StoreUnavailable):
        return _postgres_kind(error)
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(error).lower()
    if code in _BUSY_CODES or "locked" in text or "busy" in text:
        return RETRYING
    if code == sqlite3.SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return READ_ONLY
    return FAILED


def _postgres_kind(error: Exception) -> str:
    state = getattr(error, "sqlstate", None) or ""
    lost = isinstance(error, StoreUnavailable) or state.startswith("08") or (isinstance(error, psycopg.OperationalError) and not state)
    if lost or state in _PG_BUSY:  # 08: the connection failed; an OperationalError without a state: it was lost mid-call
        return RETRYING
    if state == "25006":  # read_only_sql_transaction: a standby, or default_transaction_read_only
        return READ_ONLY
    return FAILED


_PG_BUSY = {"55P03", "40P01", "40001", "57P03"}  # lock not available, deadlock, serialisation failure, cannot connect now


@dataclass
class _Job:
    write: Callable[[], object]
    what: str
    deadline: float
    done: Future


class Writer:
    """Writes to the stores (SQLite or PostgreSQL), each tried at once (waiting ``store_busy_seconds`` at most) and, when the store is busy,
    queued for a background thread that retries it. Writes to one store land in the order they were made: while any
    wait, newer ones queue behind them."""

    def __init__(self, settings: WriteSettings | None = None):
        self.settings = settings or WriteSettings()
        self._queues: dict[str, deque[_Job]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def write(self, key: str, store: str, what: str, write: Callable[[], object]) -> Outcome:
        """Run ``write`` (it opens its own connection with the short busy timeout) for store file ``key``.

        ``what`` names the write in the log; ``store`` is what a person calls the store. Errors other than the
        databases' (store.db.ERRORS) propagate.
        """
        retry = self.settings.store_retry_seconds
        with self._wake:
            waiting = bool(self._queues.get(key))
        if not waiting:
            try:
                write()
                return Outcome(SAVED, store)
            except ERRORS as e:
                state = kind(e)
                if state != RETRYING or retry <= 0:
                    log.error("%s: not saved in %s (%s)", what, key, e)
                    return Outcome(state, store)
        job = _Job(write, what, time.monotonic() + retry, Future())
        with self._wake:
            self._queues.setdefault(key, deque()).append(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
                self._thread.start()
            self._wake.notify_all()
        log.warning("%s: %s is busy; retrying in the background for %.0f s", what, key, retry)
        return Outcome(RETRYING, store, retry, job.done)

    def pending(self) -> int:
        """How many writes wait to be retried."""
        with self._wake:
            return sum(len(q) for q in self._queues.values())

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every queued write to land or be given up; True when none is left."""
        end = time.monotonic() + timeout
        while self.pending() and time.monotonic() < end:
            time.sleep(0.02)
        return not self.pending()

    def _run(self) -> None:
        """The background thread: retry the oldest write of each store until it lands, fails for good, or times out."""
        while True:
            with self._wake:
                while not any(self._queues.values()):
                    self._wake.wait()
                heads = [(key, q[0]) for key, q in self._queues.items() if q]
            busy = False
            for key, job in heads:
                try:
                    job.write()
                    result: bool | None = True
                except ERRORS as e:
                    result = None if kind(e) == RETRYING and time.monotonic() < job.deadline else False
                    if result is False:
                        log.error("%s: given up, not saved in %s (%s)", job.what, key, e)
                except Exception:  # noqa: BLE001 - the thread must outlive any one write; the log keeps the traceback
                    log.exception("%s: not saved in %s", job.what, key)
                    result = False
                if result is None:
                    busy = True
                    continue
                with self._wake:
                    self._queues[key].popleft()
                job.done.set_result(result)
            if busy:
                time.sleep(self.settings.store_retry_pause)


_shared: list[Writer] = []
_shared_lock = threading.Lock()


def shared() -> Writer:
    """The process-wide writer (every Streamlit session's stores use it), its settings read from the environment once."""
    with _shared_lock:
        if not _shared:
            _shared.append(Writer(settings.load()))
            atexit.register(_drain)
        return _shared[0]


def _drain() -> None:
    """At exit, give queued writes a last short chance; say how many are lost."""
    writer = _shared[0]
    if not writer.flush(writer.settings.store_busy_seconds * 2) and (left := writer.pending()):
        log.error("%d queued store write(s) lost at exit: the store stayed busy", left)
