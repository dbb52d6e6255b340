"""Where the app finds its index, corpus, feedback and conversation databases: environment variables with defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.feedback import default_db_path


@dataclass(frozen=True)
class Settings:
    index: Path
    corpus: Path
    feedback_db: Path
    conversations_db: Path
    operator: bool = True  # may rebuild the index from the page and see server paths (see ``operator_mode``)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def operator_mode(environ: Mapping[str, str], address: str | None) -> bool:
    """Whether people on this page act as the operator: MYTHQA_OPERATOR=1/0 when set; otherwise only when the server
    listens on a loopback address (`make run` does), so a public server never lets a visitor start a rebuild."""
    flag = environ.get("MYTHQA_OPERATOR", "").strip().lower()
    if flag:
        return flag in ("1", "true", "yes", "on")
    return (address or "") in LOOPBACK


def from_env(environ: Mapping[str, str] = os.environ, address: str | None = "127.0.0.1") -> Settings:
    """Read MYTHQA_INDEX, MYTHQA_CORPUS, MYTHQA_FEEDBACK_DB, MYTHQA_CONVERSATIONS_DB and MYTHQA_OPERATOR.

    ``address``: the address the server listens on (``server.address``), for ``operator_mode``.
    Defaults: ``index/``, ``corpus/``, ``feedback.sqlite3`` beside the index folder (never inside it,
    because ingestion replaces what is inside) and ``conversations.sqlite3`` beside the feedback database.
    """
    index = Path(environ.get("MYTHQA_INDEX") or "index")
    corpus = Path(environ.get("MYTHQA_CORPUS") or "corpus")
    feedback = Path(environ.get("MYTHQA_FEEDBACK_DB") or default_db_path(index))
    conversations = Path(environ.get("MYTHQA_CONVERSATIONS_DB") or feedback.parent / "conversations.sqlite3")
    return Settings(index, corpus, feedback, conversations, operator_mode(environ, address))
