"""Conversations that outlast a page reload: every turn and its feedback in SQLite (WAL, JSON columns, no pickle)."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.sqlite import connect
from ui.turn import Feedback, Turn, feedback_from_json, turn_from_json, turn_to_json

log = logging.getLogger("mythqa.app")
ID = re.compile(r"[0-9a-f]{32}")  # conversation ids are uuid4 hex; anything else in a URL is ignored
TITLE_CHARS = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
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
"""


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
    """Conversations in one SQLite file; one connection per call, so every Streamlit session (thread) may use it."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextlib.contextmanager
    def _connect(self):
        """A connection that commits on success and is always closed (core.sqlite: WAL, waiting writers)."""
        con = connect(self.path, lambda c: c.executescript(_SCHEMA))
        try:
            with con:
                yield con
        finally:
            con.close()

    def add(self, conversation_id: str, turn: Turn) -> None:
        """Append a turn; the conversation is created on its first turn, titled by that turn's question."""
        now = time.time()
        with self._connect() as con:
            con.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
                (conversation_id, title_of(turn), now, now),
            )
            con.execute(
                "INSERT INTO turns (id, conversation_id, created_at, turn) VALUES (?, ?, ?, ?)",
                (turn.id, conversation_id, now, json.dumps(turn_to_json(turn), ensure_ascii=False)),
            )

    def set_feedback(self, turn_id: str, feedback: Feedback) -> None:
        """Remember the current vote and comment on one turn (the feedback store keeps the votes themselves)."""
        with self._connect() as con:
            con.execute("UPDATE turns SET feedback = ? WHERE id = ?", (json.dumps(asdict(feedback), ensure_ascii=False), turn_id))

    def load(self, conversation_id: str) -> Conversation | None:
        """The conversation with its turns, or None when there is none by that id; unreadable turns are skipped."""
        with self._connect() as con:
            if con.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
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

    def count(self, conversation_id: str) -> int:
        """How many turns are stored (another tab may have added some)."""
        with self._connect() as con:
            return con.execute("SELECT count(*) FROM turns WHERE conversation_id = ?", (conversation_id,)).fetchone()[0]

    def recent(self, limit: int = 20) -> tuple[list[Summary], int]:
        """The most recently used conversations, newest first, and how many there are in all."""
        with self._connect() as con:
            total = con.execute("SELECT count(*) FROM conversations").fetchone()[0]
            rows = con.execute(
                "SELECT c.id, c.title, c.updated_at, (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id)"
                " FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Summary(*r) for r in rows], total

    def delete(self, conversation_id: str) -> None:
        """Forget a conversation and its turns (votes already sent stay in the feedback store)."""
        with self._connect() as con:
            con.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,))
            con.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
