"""What keeps one client from costing others: the body cap (before any work), the per-key rate and the worker pool."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from core.throttle import Throttle  # the app's sliding window: one definition of "n a minute" for both front ends
from qa.serve.errors import ApiError

__all__ = ["BodyCap", "Pool", "RateLimit", "Throttle"]


class BodyCap:
    """ASGI middleware: a request body over ``limit`` bytes is refused with 413 before the app reads any of it.

    The declared Content-Length is checked first; a chunked body is counted as it arrives and read whole (at most
    ``limit`` bytes) before the app runs, so a slow or endless upload never reaches the answering threads.
    """

    def __init__(self, app, limit: int, refuse: Callable):
        self.app, self.limit, self.refuse = app, limit, refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await self.refuse(scope, send, self.limit)
        body, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body.append(message.get("body", b""))
            more = message.get("more_body", False)
            if sum(map(len, body)) > self.limit:
                return await self.refuse(scope, send, self.limit)
        whole, sent = b"".join(body), False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()  # after the body: the disconnect, when it comes
            sent = True
            return {"type": "http.request", "body": whole, "more_body": False}

        return await self.app(scope, replay, send)


class RateLimit:
    """At most ``per_minute`` requests per key in any 60 seconds; 0 turns it off."""

    def __init__(self, per_minute: int):
        self.throttle = Throttle(per_minute) if per_minute > 0 else None

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
            raise ApiError(
                503, "busy", "The server is answering as many questions as it can. Try again in a few seconds.", {"Retry-After": "2"}
            )
        self.pending += 1
        try:
            return await asyncio.wrap_future(self.executor.submit(fn, *args))
        finally:
            self.pending -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
