"""Where the app finds its index, corpus, feedback and conversation databases: environment variables with defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.operator import operator_enabled, token_path
from store.votes import db_path


@dataclass(frozen=True)
class Settings:
    index: Path
    corpus: Path
    feedback_db: Path
    conversations_db: Path
    operator: bool = False  # this session proved the operator token (core.operator): server paths, rebuild
    operator_enabled: bool = True  # MYTHQA_OPERATOR=0 turns operator powers off for everyone
    token_file: Path | None = None  # where the operator token is kept (core.operator.token_path)


def from_env(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read MYTHQA_INDEX, MYTHQA_CORPUS, MYTHQA_FEEDBACK_DB, MYTHQA_CONVERSATIONS_DB, MYTHQA_OPERATOR and
    MYTHQA_OPERATOR_TOKEN_FILE. Nobody is the operator until a session proves the token (``ui.session.operator``).
    Defaults: ``index/``, ``corpus/``, ``feedback.sqlite3`` beside the index folder (never inside it,
    because ingestion replaces what is inside) and ``conversations.sqlite3`` beside the feedback database.
    """
    index = Path(environ.get("MYTHQA_INDEX") or "index")
    corpus = Path(environ.get("MYTHQA_CORPUS") or "corpus")
    feedback = db_path(index, environ)
    conversations = Path(environ.get("MYTHQA_CONVERSATIONS_DB") or feedback.parent / "conversations.sqlite3")
    return Settings(index, corpus, feedback, conversations, False, operator_enabled(environ), token_path(environ, feedback))


__all__ = ["Settings", "from_env", "operator_enabled"]  # operator_enabled: read here by the app's tests
