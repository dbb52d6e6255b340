"""The engine of the index version published right now, for a long-lived process: loaded once, at most ``keep`` held."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from core import layout
from core.memory import release

log = logging.getLogger("mythqa.qa")
# The published version and the one before it: a question that began on the previous version finishes with it, and
# any older one is released. Each held version costs its index data (a few MB here) and, only when its model files
# differ from the other's (a newly tuned query encoder), its own ONNX sessions (~0.5 GB for MiniLM and mpnet).
KEEP = 2


class Published:
    """``current()`` reads the one-line ``CURRENT`` pointer on every call, so a new `python -m ingest` is answered from
    on the next question; a caller holds the engine it got for a whole question, so a swap mid-answer cannot mix versions.
    Versions beyond ``keep`` are dropped and their memory handed back to the system (core.memory.release); models whose
    files are identical across versions are loaded once (qa.shared).

    Args:
        index_dir: the index folder.
        load: builds an engine from the folder (default: qa.engine.Engine.load; tests pass one reusing a loaded model).
        keep: versions held loaded, the published one included.
        warm: ask every newly loaded engine one question, so no caller pays the first query's one-off costs.
        logger: where loads and releases are logged (the server's own log).
    """

    def __init__(self, index_dir: Path, load: Callable | None = None, keep: int = KEEP, warm: bool = True, logger=None):
        self.index_dir = Path(index_dir)
        self.log = logger or log
        self._load = load or _load
        self.keep = max(1, keep)
        self.warm = warm
        self._loaded: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()  # one load at a time: two requests seeing a new version load it once

    def current(self):
        """The engine of the published version; raises layout.IndexMissing (nothing published) or the loader's errors."""
        version = layout.current_version(self.index_dir)
        if version is None:
            raise layout.IndexMissing(f"No index is published in {self.index_dir}.", "build one with `python -m ingest`")
        engine = self._loaded.get(version)
        if engine is not None:
            return engine
        with self._lock:
            if version not in self._loaded:
                self._add(version)
            return self._loaded.get(version) or self._loaded[next(reversed(self._loaded))]

    def _add(self, version: str) -> None:
        t0 = time.perf_counter()
        engine = self._load(self.index_dir)
        if self.warm:
            engine.ask("warm-up")  # the first query pays one-off costs; let no caller wait for them
        # The pointer may have moved during the load: key by what was loaded, not by what was read before it.
        version = engine.version
        self._loaded[version] = engine
        dropped = []
        while len(self._loaded) > self.keep:
            dropped.append(self._loaded.popitem(last=False)[0])
        del engine
        if dropped:
            release()  # what an answer still running on a dropped version holds goes back at the next publish
        held, released = ", ".join(self._loaded), ", ".join(dropped) or "none"
        self.log.info("index %s loaded and warmed up in %.2f s (held: %s; released: %s)", version, time.perf_counter() - t0, held, released)

    def loaded(self) -> tuple[str, ...]:
        """The versions held, oldest first."""
        return tuple(self._loaded)

    def holds(self, version: str | None) -> bool:
        return version in self._loaded


def _load(index_dir: Path):
    from qa.engine import Engine

    return Engine.load(index_dir)
