"""Limits that hold on a public server: questions and votes per visitor per minute, conversations per visitor and in
all, turns per conversation, and how long an untouched conversation is kept. Each read from the environment."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from core.throttle import Throttle

__all__ = ["Limits", "Throttle", "throttle"]


@dataclass(frozen=True)
class Limits:
    # A reader asks a question every few seconds at most; 20 a minute stops a script without slowing a person.
    questions_per_minute: int = 20
    votes_per_minute: int = 30
    # For every visitor together: new visitors (a script dropping its ?u=) cannot multiply the per-visitor limits.
    # 300 questions a minute is what this 2-core machine answers with both models at about a third of its time.
    questions_per_minute_total: int = 300
    votes_per_minute_total: int = 600
    conversations_per_visitor: int = 200
    conversations_total: int = 20_000  # ~400 MB of SQLite at 20 kB a conversation (5,000 measured 93 MB with long ones)
    turns_per_conversation: int = 1_000
    retention_days: float = 90.0  # conversations untouched this long are removed; 0 keeps them forever

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """MYTHQA_ and each field's name in capitals (MYTHQA_QUESTIONS_PER_MINUTE, MYTHQA_RETENTION_DAYS, …); an
        unreadable value keeps the default."""
        values = {}
        for name, default in cls().__dict__.items():
            raw = environ.get(f"MYTHQA_{name.upper()}", "").strip()
            try:
                values[name] = type(default)(raw) if raw else default
            except ValueError:
                values[name] = default
        return cls(**values)


_throttles: dict[str, Throttle] = {}
_lock = threading.Lock()


def throttle(kind: str, per_minute: int) -> Throttle:
    """The process-wide throttle for ``kind`` ("questions", "votes"): shared by every session of the app."""
    with _lock:
        if kind not in _throttles or _throttles[kind].per_minute != per_minute:
            _throttles[kind] = Throttle(per_minute)
        return _throttles[kind]
