"""The engines of the API: the published index version's, loaded once per version and swapped in without a restart."""

from __future__ import annotations

from qa.published import Published


class Engines(Published):
    """qa.published.Published for the API: ``current()`` gives the published version's engine, two versions are held
    (an answer still running on the previous one finishes with it) and older ones are released.

    Args:
        index_dir: the index folder.
        load: builds an engine from the folder (qa.engine.Engine.load; tests pass one that reuses a loaded model).
        keep: versions kept loaded, the published one included.
    """
