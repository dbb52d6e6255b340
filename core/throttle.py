"""A sliding-window rate limit, n events per key in any window (a minute unless told): shared by the app (ui.limits) and
the HTTP API."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class Throttle:
    """At most ``per_minute`` events per key in any ``window`` seconds (60 unless told; a sliding window, in this process)."""

    def __init__(self, per_minute: int, window: float = 60.0):
        self.per_minute = per_minute  # the events allowed per window: per minute for the default window
        self.window = window
        self._seen: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._swept: float | None = None  # when keys were last swept (the first event's time, at first)

    def wait(self, key: str, now: float | None = None) -> float:
        """0 and the event is counted, or the seconds to wait before the next one is allowed (not counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._sweep(now)
            seen = self._seen[key]
            while seen and now - seen[0] >= self.window:
                seen.popleft()
            if self.per_minute and len(seen) >= self.per_minute:
                return self.window - (now - seen[0])
            seen.append(now)
            return 0.0

    def keys(self) -> int:
        """How many keys are remembered (each with an event inside the window, give or take one window)."""
        with self._lock:
            return len(self._seen)

    def _sweep(self, now: float) -> None:
        """Once a window, forget keys whose every event has left it: one-off visitors do not pile up in memory."""
        if self._swept is None or now - self._swept < self.window:
            self._swept = now if self._swept is None else self._swept
            return
        self._swept = now
        for key in [k for k, seen in self._seen.items() if not seen or now - seen[-1] >= self.window]:
            del self._seen[key]
