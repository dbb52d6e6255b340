"""File locks: the single-writer lock of an index, which names its holder to a run that waits, and the export cache's."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LOCK = ".lock"  # in the index folder, and in each export cache folder
POLL_SECONDS = 1.0  # how often a waiting run retries and reports; the holder's run takes seconds to hours


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock, as its holder wrote into the lock file on taking it (unknown fields are None)."""

    pid: int | None = None
    host: str | None = None
    since: float | None = None  # epoch seconds

    def describe(self) -> str:
        """E.g. "pid 4242 on build-box since 2026-12-02 10:21:07"."""
        if self.pid is None:
            return "another run (it has not written its name yet)"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since)) if self.since else "an unknown time"
        return f"pid {self.pid} on {self.host or 'an unknown host'} since {when}"


def _holder(f) -> LockHolder:
    try:
        f.seek(0)
        data = json.loads(f.read(4096) or b"{}")
        return LockHolder(int(data["pid"]), str(data.get("host")), float(data.get("since")))
    except (OSError, ValueError, TypeError, KeyError):
        return LockHolder()  # empty (just taken, or released) or written by an older release


def read_holder(path: Path) -> LockHolder:
    """The holder named in a lock file (without taking the lock)."""
    try:
        with open(path, "rb") as f:
            return _holder(f)
    except OSError:
        return LockHolder()


@contextlib.contextmanager
def file_lock(path: Path, on_wait: Callable[[LockHolder, float], None] | None = None, blocking: bool = True):
    """Hold an exclusive lock on ``path``, writing this process's pid, host and start time into it.

    Args:
        on_wait: called with (holder, seconds waited) about every POLL_SECONDS while another process holds it.
        blocking: wait for the lock; when False, yield False at once if it is held (True when taken).
    """
    path = Path(path)
    # Not opened with "w": that would erase the holder's name before this process has the lock.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "r+b") as f:
        if not _acquire(f, on_wait, blocking):
            yield False
            return
        try:
            f.seek(0)
            f.truncate()
            f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode())
            f.flush()
            yield True
        finally:
            with contextlib.suppress(OSError):
                f.seek(0)
                f.truncate()  # the name goes with the lock
            fcntl.flock(f, fcntl.LOCK_UN)


def _acquire(f, on_wait, blocking: bool) -> bool:
    if blocking and on_wait is None:
        fcntl.flock(f, fcntl.LOCK_EX)
        return True
    start = time.monotonic()
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not blocking:
                return False
        on_wait(_holder(f), time.monotonic() - start)
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def writer_lock(index_dir: Path, on_wait: Callable[[LockHolder, float], None] | None = None):
    """Hold the single-writer lock of an index; a second ingestion waits (told who holds it) instead of racing."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(index_dir / LOCK, on_wait):
        yield
