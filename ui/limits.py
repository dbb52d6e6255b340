"""Limits that hold on a public server: questions and votes per visitor per minute, new conversations per client address
per hour, conversations per visitor and in all, turns per conversation, and how long an untouched conversation is kept.
Each read from the environment (the settings themselves: core.settings)."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from core.settings import Limits
from core.throttle import Throttle

__all__ = ["Limits", "Throttle", "client", "new_conversation_refused", "throttle"]
HOUR = 3600.0


def client(forwarded: Sequence[str], visitor: str, trusted_proxy: int) -> str:
    """Whom a per-client limit counts: the address the trusted proxies saw (``forwarded``: the X-Forwarded-For values in
    order; the last ``trusted_proxy`` entries are the ones those proxies appended), else ``visitor`` (the secret in
    the page address, which a script can drop: everyone's limits and the eviction of the least recently used bound it).
    """
    entries = [a.strip() for value in forwarded for a in value.split(",") if a.strip()]
    if trusted_proxy <= 0 or not entries:
        return f"visitor:{visitor}"
    return f"address:{entries[-min(trusted_proxy, len(entries))]}"


def _forwarded() -> list[str]:
    """This session's X-Forwarded-For values, as Streamlit received them on the page's first request (none in tests)."""
    try:
        import streamlit as st

        return st.context.headers.get_all("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no browser session (a test, a bare script run): nothing forwarded
        return []


def new_conversation_refused(visitor: str, limits: Limits, forwarded: Sequence[str] | None = None) -> str:
    """Why this client may not start another conversation now ("" when it may: the new one is then counted).

    ``forwarded``: the X-Forwarded-For values (default: this Streamlit session's)."""
    who = client(_forwarded() if forwarded is None else forwarded, visitor, limits.trusted_proxy)
    wait = throttle("conversations", limits.conversations_per_hour, HOUR).wait(who)
    if not wait:
        return ""
    return (
        f"You have started {limits.conversations_per_hour:,} new conversation(s) in the last hour, the most this server keeps:"
        f" this answer is not saved. Continue a conversation you have, or start a new one in {math.ceil(wait / 60)} min."
    )


_throttles: dict[str, Throttle] = {}
_lock = threading.Lock()


def throttle(kind: str, per_minute: int, window: float = 60.0) -> Throttle:
    """The process-wide throttle for ``kind`` ("questions", "votes", "conversations"): shared by every session of the
    app; ``per_minute`` events per ``window`` seconds."""
    with _lock:
        if kind not in _throttles or (_throttles[kind].per_minute, _throttles[kind].window) != (per_minute, window):
            _throttles[kind] = Throttle(per_minute, window)
        return _throttles[kind]
