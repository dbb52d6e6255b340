"""PostgreSQL for the stores: connections that speak sqlite3's dialect of calls, and the numbered migrations, applied once."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import psycopg

from core.errors import MythQAError

log = logging.getLogger("mythqa.stores")
MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "postgres"
CONNECT_SECONDS = 5  # a server that does not answer at all is reported after this, not after the OS's minutes
# pg_advisory_xact_lock(class, id): the first number keeps the project's locks apart from any other user's of the database.
MIGRATION_LOCK = (7_271_001, 0)
RATE_LOCK_CLASS = 7_271_002  # store.ratelimit: one lock per key, (class, hashtext(key))
# Idle connections kept per database and process: opening one costs ~7 ms on loopback (more across hosts), several
# times the statement it serves; 8 covers the API's workers and the app's sessions writing at once.
IDLE_MAX = 8
_migrated: set[str] = set()
_migrating = threading.Lock()
_idle: dict[str, list[psycopg.Connection]] = {}
_idle_lock = threading.Lock()


class StoreUnavailable(MythQAError):
    """The database server cannot be reached (down, refused, wrong address): said in one sentence, never a traceback."""

    code = "store-unavailable"
    remedy = "start the database server, or check MYTHQA_DATABASE_URL"


def redacted(url: str) -> str:
    """``url`` (or a message quoting it) without its password, for messages and logs."""
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1@", url)


class Connection:
    """A psycopg connection called like sqlite3's: ``execute(sql, args)`` with ``?`` placeholders returns a cursor,
    ``with con`` commits on success and rolls back on error (and leaves it open, as sqlite3 does)."""

    def __init__(self, con: psycopg.Connection, url: str):
        self.con, self.url = con, url

    def execute(self, sql: str, args=()) -> psycopg.Cursor:
        return self.con.cursor().execute(*_translated(sql, args))

    def executemany(self, sql: str, rows) -> psycopg.Cursor:
        cur = self.con.cursor()
        cur.executemany(_translated(sql, True)[0], rows)
        return cur

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, kind, error, tb) -> None:
        if kind is None:
            self.con.commit()
        else:
            self.con.rollback()

    def close(self) -> None:
        """Give the connection back for the next call in this process (rolled back, if a transaction is left open)."""
        _give_back(self.url, self.con)


def _translated(sql: str, args) -> tuple[str, object]:
    """sqlite3's ``?`` as psycopg's ``%s`` (a literal ``%`` doubled); a statement without arguments is sent as written."""
    if not args:
        return sql, None
    return sql.replace("%", "%%").replace("?", "%s"), args


def connect(url: str) -> Connection:
    """A connection to ``url`` (an idle one of this process when there is one), its schema migrated to the newest
    version once per process.

    Raises:
        StoreUnavailable: the server cannot be reached or refuses the connection.
    """
    con = _take(url)
    if con is None:
        try:
            con = psycopg.connect(url, connect_timeout=CONNECT_SECONDS)
        except psycopg.OperationalError as e:
            reason = " ".join(str(e).split())
            raise StoreUnavailable(f"The database {redacted(url)} cannot be reached: {redacted(reason)}") from None
    if url not in _migrated:
        with _migrating:
            if url not in _migrated:
                try:
                    migrate(con)
                except BaseException:
                    con.close()
                    raise
                _migrated.add(url)
    return Connection(con, url)


def _take(url: str) -> psycopg.Connection | None:
    """An idle connection to ``url`` that still works, or None. A server restarted since closed it: it is dropped,
    and a new one is opened (which fails at once, in one sentence, while the server is away)."""
    while True:
        with _idle_lock:
            con = (_idle.get(url) or [None]).pop()
        if con is None:
            return None
        try:
            con.execute("SELECT 1")  # a round trip of ~0.1 ms on loopback: cheaper than a failed statement later
            return con
        except psycopg.Error:
            con.close()


def _give_back(url: str, con: psycopg.Connection) -> None:
    # Hand-written rather than psycopg_pool: its pool waits out its whole timeout for a connection when the server
    # refuses them, where a refused connection here is said at once; and one list per database is all the stores need.
    if con.closed or con.broken:
        return
    try:
        con.rollback()  # nothing left half-done for the next caller,
        con.execute("RESET ALL")  # nor a lock_timeout one caller set (store.db.Dialect.wait)
        con.commit()
    except psycopg.Error:
        con.close()
        return
    with _idle_lock:
        idle = _idle.setdefault(url, [])
        if len(idle) < IDLE_MAX:
            idle.append(con)
            return
    con.close()


def migrations() -> list[tuple[int, Path]]:
    """The numbered SQL files (001_initial.sql, …) in order."""
    found = ((re.match(r"(\d+)_", p.name), p) for p in MIGRATIONS.glob("*.sql"))
    return sorted((int(m.group(1)), p) for m, p in found if m)


def migrate(con: psycopg.Connection) -> int:
    """Apply the migrations newer than the database's ``schema_version``, each once, and return the version now.

    Under a transaction-scoped advisory lock: two processes starting together apply them one after the other, and the
    second finds the version already there. A migration that fails rolls back whole, its version unrecorded.
    """
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        have = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        for number, path in migrations():
            if number > have:
                con.execute(path.read_text(encoding="utf-8"))
                con.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
                log.info("database migrated to version %d (%s)", number, path.name)
                have = number
    con.commit()
    return have


def version(con: psycopg.Connection) -> int:
    """The schema version the database records (0 before the first migration)."""
    exists = con.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0] if exists else 0
