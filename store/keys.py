"""The API keys' store: created and revoked by the operator (`python -m api.keys`), kept as hashes in SQLite beside the
index, or in PostgreSQL when MYTHQA_DATABASE_URL is set (store.db)."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from core.errors import BadInput
from store import db
from store.db import connect

PREFIX = "mqa_"  # tells a leaked key apart from other secrets in a log or a repository scan


@dataclass(frozen=True)
class ApiKey:
    """One key as stored: never the key itself, only its hash."""

    id: int
    name: str
    created: float
    revoked: float | None = None


def _schema(con: sqlite3.Connection) -> None:
    """The SQLite table (PostgreSQL's is store/migrations)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS api_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "hash TEXT NOT NULL UNIQUE, created REAL NOT NULL, revoked REAL)"
    )


def digest(key: str) -> str:
    # A key is 256 random bits, so one SHA-256 cannot be reversed by guessing: no slow password hash needed,
    # and the lookup by hash costs microseconds on every request.
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class KeyStore:
    """The key database; every call opens its own connection, so threads and server replicas can share it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = db.at(self.path)

    def create(self, name: str) -> tuple[ApiKey, str]:
        """A new key named ``name``: its record and the key itself, which is shown this once and never stored."""
        name = name.strip()
        if not name:
            raise BadInput("A key needs a name (who or what uses it).", "give one, e.g. `create newsroom-bot`")
        key = PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with closing(connect(self.db, _schema)) as con, con:
            sql = "INSERT INTO api_keys (name, hash, created) VALUES (?, ?, ?) RETURNING id"  # both engines: no lastrowid in psycopg
            new = con.execute(sql, (name, digest(key), now)).fetchone()[0]
        return ApiKey(new, name, now), key

    def list(self) -> tuple[ApiKey, ...]:
        with closing(connect(self.db, _schema)) as con:
            rows = con.execute("SELECT id, name, created, revoked FROM api_keys ORDER BY id").fetchall()
        return tuple(ApiKey(*r) for r in rows)

    def revoke(self, which: str) -> tuple[ApiKey, ...]:
        """Revoke the key with id ``which``, or every live key named ``which``; the keys revoked (none: BadInput)."""
        live = [k for k in self.list() if k.revoked is None and (str(k.id) == which.strip() or k.name == which.strip())]
        if not live:
            raise BadInput(f"No live key has the id or name “{which}”.", "see them with `python -m api.keys list`")
        now = time.time()
        with closing(connect(self.db, _schema)) as con, con:
            con.executemany("UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL", [(now, k.id) for k in live])
        return tuple(ApiKey(k.id, k.name, k.created, now) for k in live)

    def check(self, key: str | None) -> ApiKey | None:
        """The live key ``key`` is, or None (unknown, revoked, or no key given). Read on every request: a revocation
        holds at once, in every replica sharing the database."""
        if not key or not self.db.exists():
            return None
        with closing(connect(self.db, _schema)) as con:
            row = con.execute("SELECT id, name, created, revoked FROM api_keys WHERE hash = ?", (digest(key),)).fetchone()
        return ApiKey(*row) if row and row[3] is None else None
