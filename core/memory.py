"""Hand the memory of a released index version back to the system, and read what the process holds."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger("mythqa.memory")


def _libc():
    """glibc, whose ``malloc_trim`` returns free heap pages; None elsewhere (musl, macOS), where releasing is gc alone."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _libc()


def release() -> bool:
    """Free what no loaded version uses any more and give it back to the system; True when pages were returned.

    An engine holds reference cycles (its analyzer calls back into it), so it is freed by the cycle collector, not on
    its last reference. What it freed (ONNX sessions, FAISS and BM25 arrays: hundreds of MB) then stays in glibc's heaps
    and the worker threads' arenas: measured with bench/publish_memory.py, resident memory grew by ~200 MB a publish
    until ``malloc_trim`` was called after each release, and stayed flat with it (docs/operators.md, "Memory").
    """
    gc.collect()
    if _LIBC is None:
        return False
    return bool(_LIBC.malloc_trim(0))


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of process ``pid`` (default: this one), in MiB."""
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20
