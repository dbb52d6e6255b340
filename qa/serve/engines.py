"""The engine of the index version published right now: loaded once per version, swapped in without a restart."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from core import layout

log = logging.getLogger("mythqa.serve")


class Engines:
    """``current()`` reads the one-line ``CURRENT`` pointer on every call (as the app does, ui.resources.engine), so a
    new `python -m ingest` is answered from on the next request; the caller holds the engine it got for a whole
    request, so a swap mid-answer cannot mix versions.

    Args:
        index_dir: the index folder.
        load: builds an engine from the folder (qa.engine.Engine.load; tests pass one that reuses a loaded model).
        keep: versions kept loaded; an answer still running on the previous one finishes with it.
    """

    def __init__(self, index_dir: Path, load: Callable | None = None, keep: int = 2):
        self.index_dir = Path(index_dir)
        self._load = load or _load
        self.keep = keep
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
                t0 = time.perf_counter()
                engine = self._load(self.index_dir)
                engine.ask("warm-up")  # the first query pays one-off costs; let no caller wait for them
                # The pointer may have moved during the load: key by what was loaded, not by what was read before it.
                self._loaded[engine.version] = engine
                while len(self._loaded) > self.keep:
                    self._loaded.popitem(last=False)
                log.info("index %s loaded and warmed up in %.2f s", engine.version, time.perf_counter() - t0)
            return self._loaded.get(version) or self._loaded[next(reversed(self._loaded))]

    def loaded(self) -> tuple[str, ...]:
        return tuple(self._loaded)


def _load(index_dir: Path):
    from qa.engine import Engine

    return Engine.load(index_dir)
