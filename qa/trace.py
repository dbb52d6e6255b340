"""An explicit hook for stage timing: pass a Trace to Engine.ask and read the seconds each stage took."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict

STAGES = ("analysis", "query_encoding", "dense_search", "lexical_search", "fusion", "extraction")


class Trace:
    """Seconds per stage, summed over the questions asked with it (not thread-safe: one per thread)."""

    def __init__(self):
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.values: dict[str, float] = {}  # figures a stage reports about the last question (calibration reads them)

    def record(self, name: str, value: float) -> None:
        self.values[name] = value

    @contextlib.contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - t0

    def clear(self) -> None:
        self.seconds.clear()
        self.values.clear()


class _NoTrace:
    """What Engine.ask uses when nobody measures: a stage costs one attribute lookup."""

    _null = contextlib.nullcontext()

    def stage(self, name: str):
        return self._null

    def record(self, name: str, value: float) -> None:
        pass


NO_TRACE = _NoTrace()
