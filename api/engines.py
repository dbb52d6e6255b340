"""The engines of the API: the published index version's, loaded once per version and swapped in without a restart."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from qa.published import KEEP, Published


class Engines(Published):
    """qa.published.Published for the API: ``current()`` gives the published version's engine, two versions are held
    (an answer still running on the previous one finishes with it) and older ones are released.

    Args:
        index_dir: the index folder.
        load: builds an engine from the folder (qa.engine.Engine.load; tests pass one that reuses a loaded model).
        keep: versions kept loaded, the published one included.
    """

    def __init__(self, index_dir: Path, load: Callable | None = None, keep: int = KEEP):
        super().__init__(index_dir, load, keep, logger=logging.getLogger("mythqa.serve"))
