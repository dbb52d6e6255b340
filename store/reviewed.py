"""The questions evaluators accepted from votes: eval/reviewed.jsonl with SQLite, a table with PostgreSQL (store.db)."""

from __future__ import annotations

import json
import logging
import os
from contextlib import closing
from pathlib import Path

from core import jsonl
from store import db
from store.db import connect

log = logging.getLogger("mythqa.stores")


class ReviewedStore:
    """Accepted questions, one eval/questions.jsonl row each, in the order accepted.

    With the SQLite stores they are the lines of ``path`` (a log appended to, as before); with PostgreSQL every app
    process writes them to one table, and ``file`` writes that table to ``path`` for evaluate and learn.tune to read.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = db.at(self.path)

    def add(self, row: dict) -> None:
        """Keep one accepted question (its ``id`` is unique: accepting the same vote twice keeps the first)."""
        if not self.db.url:
            jsonl.append(self.path, row)  # one line per append, every line break inside it escaped
            return
        with closing(connect(self.db)) as con, con:
            con.execute("INSERT INTO reviewed (id, row_json) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", (row["id"], jsonl.dumps(row)))

    def rows(self) -> list[dict]:
        """Every accepted question, oldest first."""
        if not self.db.url:
            return [row for _, row in jsonl.read(self.path, log=True).rows] if self.path.is_file() else []
        with closing(connect(self.db)) as con:
            return [json.loads(r[0]) for r in con.execute("SELECT row_json FROM reviewed ORDER BY seq")]

    def file(self) -> Path | None:
        """The accepted questions as a JSON-lines file, or None while there are none: ``path`` itself with SQLite; with
        PostgreSQL the table written to ``path`` first (replaced whole). A ``path`` left from the SQLite days is imported
        into an empty table first, so switching to PostgreSQL loses no question."""
        if not self.db.url:
            return self.path if self.path.exists() else None
        rows = self.rows()
        if not rows and self.path.is_file() and (old := jsonl.read(self.path, log=True).rows):
            for _, row in old:
                self.add(row)
            log.info("imported %d reviewed question(s) from %s into %s", len(old), self.path, self.db.where)
            rows = self.rows()
        if not rows:
            return None
        part = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        part.parent.mkdir(parents=True, exist_ok=True)
        jsonl.write(part, rows)
        os.replace(part, self.path)  # readers see the old file or the new one, never half of it
        return self.path
