"""A sliding-window rate limit, n events per key in any minute: shared by the app (ui.limits) and the HTTP API."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class Throttle:
    """At most ``per_minute`` events per key in any 60 seconds (a sliding window, in this process)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._seen: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait(self, key: str, now: float | None = None) -> float:
        """0 and the event is counted, or the seconds to wait before the next one is allowed (not counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen[key]
            while seen and now - seen[0] >= 60:
                seen.popleft()
            if self.per_minute and len(seen) >= self.per_minute:
                return 60 - (now - seen[0])
            seen.append(now)
            return 0.0
