"""The limits a public server holds, as settings read from the environment (MYTHQA_ and each field's name in capitals).
The conversation store keeps to the ones on stored conversations; the app's throttles (ui.limits) to the others."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from store import background


@dataclass(frozen=True)
class Limits:
    # A reader asks a question every few seconds at most; 20 a minute stops a script without slowing a person.
    questions_per_minute: int = 20
    votes_per_minute: int = 30
    # For every visitor together: new visitors (a script dropping its cookie) cannot multiply the per-visitor limits.
    # 300 questions a minute is what this 2-core machine answers with both models at about a third of its time.
    questions_per_minute_total: int = 300
    votes_per_minute_total: int = 600
    # New conversations per client address (see ``client``) in any hour: a person starts one every few minutes at most,
    # while one address needs 1,000 hours at this pace to push everyone's conversations out of the total below.
    conversations_per_hour: int = 20
    conversations_per_visitor: int = 200
    # ~400 MB of SQLite at 20 kB a conversation (5,000 measured 93 MB with long ones). Reaching it refuses nobody: a new
    # conversation evicts the least recently used one (store.conversations).
    conversations_total: int = 20_000
    turns_per_conversation: int = 1_000
    retention_days: float = 90.0  # conversations untouched this long are removed; 0 keeps them forever
    # Reverse proxies in front of the app that append the client's address to X-Forwarded-For (deploy/nginx.conf: 1).
    # 0 trusts no forwarded address, because anyone can send that header; the app then throttles per visitor instead.
    trusted_proxy: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """MYTHQA_ and each field's name in capitals (MYTHQA_QUESTIONS_PER_MINUTE, MYTHQA_TRUSTED_PROXY, …); an
        unreadable value keeps the default."""
        return background.from_env(cls, environ)
