"""Conversations that outlast a page reload: every turn and its feedback in SQLite or PostgreSQL (JSON columns, no pickle)."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core import settings
from core.settings import Limits
from store import background, db
from store.db import connect
from store.turn import Feedback, Turn, feedback_from_json, turn_from_json, turn_to_json

log = logging.getLogger("mythqa.app")
ID = re.compile(r"[0-9a-f]{32}")  # conversation ids are uuid4 hex; anything else in a URL is ignored
TITLE_CHARS = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS turns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    turn TEXT NOT NULL,
    feedback TEXT
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation_id, seq);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    turn TEXT NOT NULL
);
"""


def _setup(con) -> None:
    """The SQLite schema (PostgreSQL's is store/migrations); a file from before owners gets the column (its
    conversations then belong to nobody)."""
    con.executescript(_SCHEMA)
    if "owner" not in {row[1] for row in con.execute("PRAGMA table_info(conversations)")}:
        con.execute("ALTER TABLE conversations ADD COLUMN owner TEXT")
    con.execute("CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated_at)")
    con.execute("CREATE INDEX IF NOT EXISTS conversations_by_use ON conversations (updated_at)")  # the least recently used go first


class NotYours(PermissionError):
    """A conversation id that belongs to another visitor (someone else's link used as one's own)."""


@dataclass(frozen=True)
class Summary:
    """One line of the conversation list."""

    id: str
    title: str
    updated_at: float
    turns: int


@dataclass(frozen=True)
class Conversation:
    """A stored conversation: its turns in the order asked, and the current feedback per turn id."""

    id: str
    turns: tuple[Turn, ...]
    feedback: Mapping[str, Feedback] = field(default_factory=dict)


def title_of(turn: Turn) -> str:
    """The list title: the first question (or claim), on one line and cut to a readable length."""
    text = " ".join(turn.question.split()) or "(empty question)"
    text = f"Claim: {text}" if turn.claim is not None else text
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


class ConversationStore:
    """Conversations in one SQLite file, or in PostgreSQL when MYTHQA_DATABASE_URL is set (store.db); one connection per
    call, so every Streamlit session (thread) and every app process sharing the database may use it.

    Each conversation belongs to the visitor who started it: ``owner`` (ui.identity.visitor, a hash of the secret in
    that visitor's browser cookie) scopes every call the app makes. ``owner=None`` is the operator's view of all of them
    (`python -m ui.manage`).

    Writes wait for the lock at most ``store_busy_seconds`` (store.background); a turn or a vote the lock held up is retried in
    the background, and ``add`` and ``set_feedback`` say what became of it. When ``conversations_total`` is reached, a
    new conversation evicts the least recently used ones instead of being refused.
    """

    NAME = "conversation store"

    def __init__(self, path: Path, limits: Limits | None = None, writer: background.Writer | None = None):
        self.path = Path(path)
        self.db = db.at(self.path)
        self.limits = limits or settings.load()
        self.writer = writer or background.shared()

    @contextlib.contextmanager
    def _connect(self):
        """A connection that commits on success and is always closed (store.db), and waits for another writer's lock
        no longer than ``store_busy_seconds``: a page never stalls on a busy store."""
        con = connect(self.db, _setup)
        self.db.dialect.wait(con, self.writer.settings.store_busy_seconds)
        try:
            with con:
                yield con
        finally:
            con.close()

    def add(self, conversation_id: str, turn: Turn, owner: str | None = None) -> background.Outcome:
        """Append a turn; the conversation is created on its first turn, titled by that turn's question, evicting the
        least recently used other conversations when the store holds ``conversations_total`` already.

        Returns:
            Whether the turn is saved, retrying (the store is busy) or not saved (read-only, failed).

        Raises:
            NotYours: the conversation exists and belongs to another owner.
        """
        with self._connect() as con:  # a read: another writer's lock does not hold it up (WAL)
            row = con.execute("SELECT owner FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if row is not None and owner is not None and row[0] != owner:
            raise NotYours(f"conversation {conversation_id} belongs to another visitor")
        data = json.dumps(turn_to_json(turn), ensure_ascii=False)
        title, when = title_of(turn), time.time()

        def write() -> None:  # retried as a whole: each statement may run again without doing anything twice
            with self._connect() as con:
                new = con.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None
                con.execute(
                    "INSERT INTO conversations (id, title, created_at, updated_at, owner) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
                    (conversation_id, title, when, time.time(), owner),
                )
                con.execute(
                    "INSERT INTO turns (id, conversation_id, created_at, turn) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
                    (turn.id, conversation_id, when, data),
                )
                if new:
                    self._evict(con, conversation_id)

        return self.writer.write(self.db.where, self.NAME, f"turn {turn.id}", write)

    def _evict(self, con, keep: str) -> None:
        """Past ``conversations_total``, remove the least recently used conversations (never ``keep``, just written)."""
        cap = self.limits.conversations_total
        over = con.execute("SELECT count(*) FROM conversations").fetchone()[0] - cap if cap > 0 else 0
        if over <= 0:
            return
        ids = [r[0] for r in con.execute(
            "SELECT id FROM conversations WHERE id != ? ORDER BY updated_at, rowid LIMIT ?", (keep, over)
        )]  # fmt: skip
        self._remove(con, ids)
        log.info("conversation cap of %d reached: removed the %d least recently used", cap, len(ids))

    @staticmethod
    def _remove(con, ids: list[str]) -> None:
        for cid in ids:
            con.execute("DELETE FROM turns WHERE conversation_id = ?", (cid,))
            con.execute("DELETE FROM conversations WHERE id = ?", (cid,))

    def set_feedback(self, turn_id: str, feedback: Feedback, owner: str | None = None) -> background.Outcome:
        """Remember the current vote and comment on one turn of ``owner``'s (the feedback store keeps the votes).

        Returns:
            Whether it is saved, retrying (the store is busy) or not saved (read-only, failed).
        """
        mine, args = self._mine(owner)
        data = json.dumps(asdict(feedback), ensure_ascii=False)

        def write() -> None:
            with self._connect() as con:
                con.execute(
                    f"UPDATE turns SET feedback = ? WHERE id = ? AND conversation_id IN (SELECT id FROM conversations c WHERE TRUE{mine})",
                    (data, turn_id, *args),
                )

        return self.writer.write(self.db.where, self.NAME, f"feedback on turn {turn_id}", write)

    @staticmethod
    def _mine(owner: str | None) -> tuple[str, tuple]:
        """The SQL condition (on conversations ``c``) and its arguments that scope a call to ``owner`` (None: all)."""
        return ("", ()) if owner is None else (" AND c.owner = ?", (owner,))

    def load(self, conversation_id: str, owner: str | None = None) -> Conversation | None:
        """The conversation with its turns, or None when there is none by that id of ``owner``'s; unreadable turns are
        skipped."""
        mine, args = self._mine(owner)
        with self._connect() as con:
            if con.execute(f"SELECT 1 FROM conversations c WHERE c.id = ?{mine}", (conversation_id, *args)).fetchone() is None:
                return None
            rows = con.execute("SELECT id, turn, feedback FROM turns WHERE conversation_id = ? ORDER BY seq", (conversation_id,)).fetchall()
        turns, feedback = [], {}
        for turn_id, data, fb in rows:
            try:
                turns.append(turn_from_json(json.loads(data)))
                if fb:
                    feedback[turn_id] = feedback_from_json(json.loads(fb))
            except (ValueError, TypeError) as e:  # a damaged row costs that turn, not the conversation
                log.warning("skipping stored turn %s of conversation %s: %s", turn_id, conversation_id, e)
        return Conversation(conversation_id, tuple(turns), feedback)

    def count(self, conversation_id: str, owner: str | None = None) -> int:
        """How many turns are stored (another tab may have added some)."""
        mine, args = self._mine(owner)
        with self._connect() as con:
            return con.execute(
                f"SELECT count(*) FROM turns WHERE conversation_id IN (SELECT id FROM conversations c WHERE c.id = ?{mine})",
                (conversation_id, *args),
            ).fetchone()[0]

    def recent(self, limit: int = 20, owner: str | None = None) -> tuple[list[Summary], int]:
        """``owner``'s most recently used conversations (all, for None), newest first, and how many there are in all."""
        mine, args = self._mine(owner)
        with self._connect() as con:
            total = con.execute(f"SELECT count(*) FROM conversations c WHERE TRUE{mine}", args).fetchone()[0]
            rows = con.execute(
                "SELECT c.id, c.title, c.updated_at, (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id)"
                f" FROM conversations c WHERE TRUE{mine} ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [Summary(*r) for r in rows], total

    def delete(self, conversation_id: str, owner: str | None = None) -> bool:
        """Forget one of ``owner``'s conversations and its turns (votes already sent stay in the feedback store);
        False when there is no such conversation of theirs."""
        mine, args = self._mine(owner)
        with self._connect() as con:
            if con.execute(f"SELECT 1 FROM conversations c WHERE c.id = ?{mine}", (conversation_id, *args)).fetchone() is None:
                return False
            self._remove(con, [conversation_id])
        return True

    def purge(self, conversation_ids: list[str] | None = None, older_than_days: float | None = None) -> int:
        """The operator's purge: the given conversations, and/or every one untouched for ``older_than_days`` (retention);
        returns how many were removed."""
        where, args = [], []
        if conversation_ids:
            where.append(f"id IN ({','.join('?' * len(conversation_ids))})")
            args += conversation_ids
        if older_than_days is not None:
            where.append("updated_at < ?")
            args.append(time.time() - older_than_days * 86400)
        if not where:
            return 0
        with self._connect() as con:
            ids = [r[0] for r in con.execute(f"SELECT id FROM conversations WHERE {' OR '.join(where)}", args)]
            self._remove(con, ids)
        return len(ids)

    def move_owner(self, old_owner: str, new_owner: str) -> int:
        """Give every conversation of ``old_owner`` to ``new_owner`` in one statement (none is left half-moved)."""
        with self._connect() as con:
            return con.execute("UPDATE conversations SET owner = ? WHERE owner = ?", (new_owner, old_owner)).rowcount

    def conversations(self, owner: str | None = None) -> int:
        """How many conversations ``owner`` has (all of them, for None)."""
        mine, args = self._mine(owner)
        with self._connect() as con:
            return con.execute(f"SELECT count(*) FROM conversations c WHERE TRUE{mine}", args).fetchone()[0]

    def share(self, turn: Turn) -> str:
        """Keep a read-only copy of one answer and return its own unguessable id (not the conversation's)."""
        share_id = secrets.token_hex(16)
        with self._connect() as con:
            con.execute(
                "INSERT INTO shares (id, created_at, turn) VALUES (?, ?, ?)",
                (share_id, time.time(), json.dumps(turn_to_json(turn), ensure_ascii=False)),
            )
        return share_id

    def shared(self, share_id: str) -> Turn | None:
        """The answer shared under ``share_id``, or None."""
        with self._connect() as con:
            row = con.execute("SELECT turn FROM shares WHERE id = ?", (share_id,)).fetchone()
        try:
            return turn_from_json(json.loads(row[0])) if row else None
        except (ValueError, TypeError):
            return None
