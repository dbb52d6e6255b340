"""What keeps one client from costing others: the per-key rate, wrong keys per address, and the worker pool."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from api.errors import ApiError, busy
from core.throttle import Throttle  # the app's sliding window: one definition of "n a minute" for both front ends
from store.db import Database
from store.ratelimit import SharedWindow

__all__ = ["KeyFailures", "Pool", "RateLimit", "Throttle"]


class RateLimit:
    """At most ``per_minute`` requests per key in any 60 seconds; 0 turns it off.

    Counted in this process with the SQLite stores; in the database when the keys are in PostgreSQL (``database``), so
    that every API process sharing it, on any host, enforces one limit together (store.ratelimit).
    """

    def __init__(self, per_minute: int, database: Database | None = None):
        shared = database is not None and database.url is not None
        self.throttle = None if per_minute <= 0 else SharedWindow(database, per_minute) if shared else Throttle(per_minute)

    def check(self, key: str) -> None:
        """Count one request for ``key``, or raise 429 with the whole seconds to wait."""
        wait = self.throttle.wait(key) if self.throttle else 0.0
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests with this key: at most {self.throttle.per_minute} a minute. Try again in {seconds} s.",
                {"Retry-After": str(seconds)},
            )


class KeyFailures:
    """At most ``per_minute`` wrong keys from one client address in any 60 seconds; 0 turns it off.

    Past the limit the address is refused with 429 *before* any key it sends is looked at, until its minute frees up,
    so a guesser learns nothing more, while a correct key sent from any other address is answered as usual.
    """

    def __init__(self, per_minute: int):
        self.throttle = Throttle(per_minute) if per_minute > 0 else None
        self.until: dict[str, float] = {}  # address -> monotonic time its refusals end

    def check(self, address: str) -> None:
        """Raise 429 while ``address`` is over its limit; call before checking the key it presents."""
        left = self.until.get(address, 0.0) - time.monotonic()
        if left > 0:
            raise self._refusal(left)
        self.until.pop(address, None)

    def failed(self, address: str) -> None:
        """Count one wrong key from ``address``; raise 429 if it is one too many."""
        wait = self.throttle.wait(address) if self.throttle else 0.0
        if wait > 0:
            self.until[address] = time.monotonic() + wait
            raise self._refusal(wait)

    def _refusal(self, wait: float) -> ApiError:
        seconds = max(1, math.ceil(wait))
        return ApiError(
            429,
            "too_many_bad_keys",
            f"Too many wrong API keys from this address: at most {self.throttle.per_minute} a minute. Check the key you send "
            f"(`Authorization: Bearer <key>`) and try again in {seconds} s.",
            {"Retry-After": str(seconds)},
        )


class Pool:
    """The threads that run the encoders: ``workers`` answer at once, at most ``queue`` more wait, the rest get 503.

    Bounded on purpose: past the machine's cores more threads only share the same CPU, and an unbounded queue turns
    a burst into minutes of latency for everyone instead of a quick "busy, retry".
    """

    def __init__(self, workers: int, queue: int):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mythqa-answer")
        self.capacity = workers + queue
        self.pending = 0  # read and written on the event loop only, so no lock

    async def run(self, fn: Callable, *args):
        if self.pending >= self.capacity:
            raise busy()
        self.pending += 1
        try:
            return await asyncio.wrap_future(self.executor.submit(fn, *args))
        finally:
            self.pending -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
