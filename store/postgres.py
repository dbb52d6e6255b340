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
_migrated: set[str] = set()
_migrating = threading.Lock()


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

    def __init__(self, con: psycopg.Connection):
        self.con = con

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
        self.con.close()


def _translated(sql: str, args) -> tuple[str, object]:
    """sqlite3's ``?`` as psycopg's ``%s`` (a literal ``%`` doubled); a statement without arguments is sent as written."""
    if not args:
        return sql, None
    return sql.replace("%", "%%").replace("?", "%s"), args


def connect(url: str) -> Connection:
    """A connection to ``url``, its schema migrated to the newest version once per process.

    Raises:
        StoreUnavailable: the server cannot be reached or refuses the connection.
    """
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
    return Connection(con)


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
