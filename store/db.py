"""Where the stores live: an SQLite file each by default, one PostgreSQL database when MYTHQA_DATABASE_URL names one."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg

from core import settings
from store import postgres
from store.postgres import StoreUnavailable, redacted

BUSY_SECONDS = 30.0  # how long an SQLite writer waits for the lock: 200 votes at once took under 2 s on this machine
SQLITE_VERSION = 1  # PRAGMA user_version of a file whose schema this release has set (see _sqlite)
_ready: set[str] = set()  # databases whose mode and schema this process has set
_setting_up = threading.Lock()  # threads of one process set a database up one at a time


# Every error a store's call may raise: each front end words these its own way (store.background, api.app, ui.actions).
ERRORS = (sqlite3.Error, psycopg.Error, StoreUnavailable)
# Of those, the ones that say the store cannot be reached or read just now (a lock held, the server away), not a bug.
UNREADABLE = (sqlite3.OperationalError, psycopg.OperationalError, StoreUnavailable)


def database_url(environ: Mapping[str, str] | None = None) -> str | None:
    """MYTHQA_DATABASE_URL (postgresql://user@host:port/name; core.settings), or None for the SQLite files."""
    return (settings.load(environ).database_url or "").strip() or None


@dataclass(frozen=True)
class Dialect:
    """What differs between the two SQL engines for the stores' statements (kept to these few points)."""

    name: str
    busy: str  # the statement that bounds a write's wait for another writer's lock, in milliseconds

    def wait(self, con, seconds: float) -> None:
        """Wait at most ``seconds`` for another writer's lock before failing as busy (store.background retries)."""
        con.execute(self.busy.format(ms=int(seconds * 1000)))


SQLITE = Dialect("sqlite", "PRAGMA busy_timeout = {ms}")
POSTGRES = Dialect("postgresql", "SET lock_timeout = {ms}")


@dataclass(frozen=True)
class Database:
    """One store's place: the SQLite file ``path``, or the PostgreSQL database ``url`` every store shares."""

    path: Path
    url: str | None = None

    @property
    def dialect(self) -> Dialect:
        return POSTGRES if self.url else SQLITE

    @property
    def where(self) -> str:
        """What logs and messages name: the file, or the database's URL without its password."""
        return redacted(self.url) if self.url else str(self.path)

    def exists(self) -> bool:
        """Whether there is anything to read yet (a PostgreSQL database is made by its migrations on first use)."""
        return bool(self.url) or self.path.exists()


def at(path: Path, environ: Mapping[str, str] | None = None) -> Database:
    """The store whose SQLite file would be ``path``: in PostgreSQL instead when MYTHQA_DATABASE_URL is set."""
    return Database(Path(path), database_url(environ))


def connect(where: Database | Path, setup: Callable[[sqlite3.Connection], None] | None = None):
    """A connection to ``where``: ``con.execute(sql, args)`` with ``?`` placeholders on both engines, ``with con``
    commits (or rolls back), ``con.close()`` closes. SQLite runs ``setup`` (the store's schema) once per process; PostgreSQL
    applies the numbered migrations once per process instead (store.postgres).

    Raises:
        StoreUnavailable: the PostgreSQL server cannot be reached.
    """
    if isinstance(where, Database) and where.url:
        return postgres.connect(where.url)
    return _sqlite(Path(where.path if isinstance(where, Database) else where), setup or (lambda con: None))


def _sqlite(path: Path, setup: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    """An SQLite connection whose writes begin IMMEDIATE (they wait out the busy timeout instead of failing when a read
    turns into a write while another thread commits); WAL mode, ``setup`` and the schema version run once per process.

    Switching to WAL takes an exclusive lock that the busy timeout does not always cover, so it is retried. ``setup``
    stays idempotent (it adds the columns an older file lacks), so a file of any earlier release keeps working.
    """
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
                        if con.execute("PRAGMA user_version").fetchone()[0] < SQLITE_VERSION:
                            con.execute(f"PRAGMA user_version = {SQLITE_VERSION}")
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) or time.monotonic() > deadline:
                        con.close()
                        raise
                    time.sleep(0.05)
            _ready.add(key)
    return con
