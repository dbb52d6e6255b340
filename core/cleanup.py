"""What ``layout.cleanup`` removes after each publish (under the writer lock): dead runs' leftovers and old versions."""

from __future__ import annotations

import shutil
from pathlib import Path

from core import layout
from core.errors import MythQAError


def cleanup(index_dir: Path) -> None:
    """Remove what dead runs left and what is no longer needed. Call under the writer lock, which makes it all stale.

    Removed: unpublished builds (``.building-*``), temporary pointer and history files, orphaned versions (renamed
    by a run killed before its pointer swap, so never published), half-written exports in the model cache, and
    all but the layout.KEEP_VERSIONS newest published versions.
    """
    index_dir = Path(index_dir)
    for p in index_dir.glob(".*.tmp"):
        if p.name.startswith((f".{layout.POINTER}.", f"{layout.HISTORY}.")):
            p.unlink(missing_ok=True)
    clean_export_cache()
    clean_export_cache(layout.cache_dir() / layout.TUNED_CACHE)
    from core.onnx_export import prune_tuned_cache  # the export caches' own module; it imports this one

    prune_tuned_cache()
    root = index_dir / layout.VERSIONS
    if not root.is_dir():
        return
    for p in root.iterdir():
        if p.name.startswith(layout.BUILDING_PREFIX):
            shutil.rmtree(p, ignore_errors=True)
    try:
        current = layout.read_pointer(index_dir)
    except (OSError, ValueError, MythQAError):
        return  # the pointer is unreadable: which versions are published is unknown, so none is removed
    versions = layout._versions(index_dir)
    history = layout._history(index_dir, versions, current)
    keep = history[-layout.KEEP_VERSIONS :]
    layout._write_history(index_dir, keep)  # before removing: an interrupted removal leaves an orphan, never a listed ghost
    for name in sorted(versions - set(keep)):
        shutil.rmtree(root / name, ignore_errors=True)


def clean_export_cache(root: Path | None = None) -> None:
    """Remove half-written files from the export cache (``layout.cache_dir()/onnx``), skipping folders an export holds."""
    root = layout.cache_dir() / layout.EXPORT_CACHE if root is None else Path(root)
    try:
        folders = [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return  # no cache yet, or none readable: nothing to clean
    for folder in folders:
        try:
            temps = [p for p in folder.iterdir() if p.name.startswith(layout.CACHE_TEMP)]
            if not temps:
                continue
            with layout.file_lock(folder / layout.LOCK, blocking=False) as taken:
                if taken:  # no live export here, so these were left by a killed one
                    for p in temps:
                        p.unlink(missing_ok=True)
        except OSError:
            continue  # a cache that is not ours to clean (read-only, say) never stops a run
