"""Where the app finds its index, corpus and feedback database: environment variables with defaults."""

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


def from_env(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read MYTHQA_INDEX, MYTHQA_CORPUS and MYTHQA_FEEDBACK_DB.

    Defaults: ``index/``, ``corpus/`` and ``feedback.sqlite3`` beside the index folder (never inside it,
    because ingestion replaces what is inside).
    """
    index = Path(environ.get("MYTHQA_INDEX") or "index")
    corpus = Path(environ.get("MYTHQA_CORPUS") or "corpus")
    feedback = Path(environ.get("MYTHQA_FEEDBACK_DB") or default_db_path(index))
    return Settings(index=index, corpus=corpus, feedback_db=feedback)
