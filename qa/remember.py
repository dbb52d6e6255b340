"""The answers an engine gave lately, by everything that decides them: a question asked again is answered at once.

The welcome page's examples and a script's repeated calls ask the same questions over and over; the query vectors were
already kept (qa.encode), but each repeat still paid the analysis and the rest of the read path, about 12 ms.
An engine answers from one index version, so what is kept never outlives the answers it would give.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
SIZE = 1024  # answers kept per engine: ~5 kB each with five passages, a few MB at most


class Remembered:
    """A thread-safe LRU of answers; a key that cannot be hashed is answered without being kept."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, answer: Callable[[], T]) -> T:
        try:
            with self._lock:
                found = self._kept.get(key)
                if found is not None:
                    self._kept.move_to_end(key)
                    return found
        except TypeError:  # a turn of ``previous`` given as something unhashable
            return answer()
        found = answer()  # outside the lock: two askers of different questions never wait on each other
        with self._lock:
            self._kept[key] = found
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
