"""Where the app finds its index, corpus, feedback and conversation databases (core.settings), and whether operator
powers are on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core import settings


@dataclass(frozen=True)
class Settings:
    index: Path
    corpus: Path
    feedback_db: Path
    conversations_db: Path
    operator: bool = False  # this session proved the operator token (core.operator): server paths, rebuild
    operator_enabled: bool = True  # MYTHQA_OPERATOR=0 turns operator powers off for everyone
    token_file: Path | None = None  # where the operator token is kept


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The app's places from the environment (default os.environ; core.settings says each variable and its default).
    Nobody is the operator until a session proves the token (``ui.session.operator``)."""
    s = settings.load(environ)
    return Settings(s.index, s.corpus, s.feedback_path(), s.conversations_path(), False, s.operator, s.token_path())
