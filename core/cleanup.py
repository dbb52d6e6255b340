"""What ``layout.cleanup`` removes after each publish (under the writer lock): dead runs' leftovers and old versions."""

from __future__ import annotations

import shutil
from pathlib import Path

from core import versions
from core.errors import MythQAError


def cleanup(index_dir: Path) -> None:
    """Remove what dead runs left and what is no longer needed. Call under the writer lock, which makes it all stale.

    Removed: unpublished builds (``.building-*``), temporary pointer and history files, orphaned versions (renamed
    by a run killed before its pointer swap, so never published), half-written exports in the model cache, and
    all but the versions.KEEP_VERSIONS newest published versions.
    """
    index_dir = Path(index_dir)
    for p in index_dir.glob(".*.tmp"):
        if p.name.startswith((f".{versions.POINTER}.", f"{versions.HISTORY}.")):
            p.unlink(missing_ok=True)
    clean_export_cache()
    clean_export_cache(versions.cache_dir() / versions.TUNED_CACHE)
    from core.onnx_export import prune_tuned_cache  # the export caches' own module (numpy: loaded only here)

    prune_tuned_cache()
    root = index_dir / versions.VERSIONS
    if not root.is_dir():
        return
    for p in root.iterdir():
        if p.name.startswith(versions.BUILDING_PREFIX):
            shutil.rmtree(p, ignore_errors=True)
    try:
        current = versions.read_pointer(index_dir)
    except (OSError, ValueError, MythQAError):
        return  # the pointer is unreadable: which versions are published is unknown, so none is removed
    found = versions._versions(index_dir)
    history = versions._history(index_dir, found, current)
    keep = history[-versions.KEEP_VERSIONS :]
    versions._write_history(index_dir, keep)  # before removing: an interrupted removal leaves an orphan, never a listed ghost
    for name in sorted(found - set(keep)):
        shutil.rmtree(root / name, ignore_errors=True)


def clean_export_cache(root: Path | None = None) -> None:
    """Remove half-written files from the export cache (``versions.cache_dir()/onnx``), skipping folders an export holds."""
    root = versions.cache_dir() / versions.EXPORT_CACHE if root is None else Path(root)
    try:
        folders = [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return  # no cache yet, or none readable: nothing to clean
    for folder in folders:
        try:
            temps = [p for p in folder.iterdir() if p.name.startswith(versions.CACHE_TEMP)]
            if not temps:
                continue
            with versions.file_lock(folder / versions.LOCK, blocking=False) as taken:
                if taken:  # no live export here, so these were left by a killed one
                    for p in temps:  # files, and the folders core.onnx_export.externalize writes in
                        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        except OSError:
            continue  # a cache that is not ours to clean (read-only, say) never stops a run
