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


def from_env(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read MYTHQA_INDEX, MYTHQA_CORPUS, MYTHQA_FEEDBACK_DB and MYTHQA_CONVERSATIONS_DB.

    Defaults: ``index/``, ``corpus/``, ``feedback.sqlite3`` beside the index folder (never inside it,
    because ingestion replaces what is inside) and ``conversations.sqlite3`` beside the feedback database.
    """
    index = Path(environ.get("MYTHQA_INDEX") or "index")
    corpus = Path(environ.get("MYTHQA_CORPUS") or "corpus")
    feedback = Path(environ.get("MYTHQA_FEEDBACK_DB") or default_db_path(index))
    conversations = Path(environ.get("MYTHQA_CONVERSATIONS_DB") or feedback.parent / "conversations.sqlite3")
    return Settings(index=index, corpus=corpus, feedback_db=feedback, conversations_db=conversations)
