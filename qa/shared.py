"""Query encoders shared by every loaded index version whose model files are identical, and file hashes read once."""

from __future__ import annotations

import json
import os
import threading
import weakref
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from core.model import sha256_file

T = TypeVar("T")
# One entry per distinct export file seen by this process (two a publish at most); the bound only stops a process
# that lives for years from collecting them without end.
MAX_DIGESTS = 256
_encoders: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # held by the engines using them, not here
_digests: dict[tuple, str] = {}  # file identity -> sha256
_lock = threading.Lock()


def shared(key: Hashable, build: Callable[[], T]) -> T:
    """The live object built for ``key``, or ``build()`` kept under it for as long as some engine holds it.

    A new index version whose model files are the same as a loaded one's (ingestion and learn.tune hard-link the same
    ONNX export into each version) gets the loaded encoder: one ONNX session (90 MB MiniLM, 420 MB mpnet) per model
    in the process, however many versions are held. Builds run one at a time, so two loads never build one twice.
    """
    with _lock:
        found = _encoders.get(key)
        if found is None:
            found = build()
            _encoders[key] = found
        return found


def spec_identity(spec) -> str:
    """What makes two encoders of a model interchangeable: every field of its spec (core.spec.ModelSpec), as text."""
    return json.dumps(spec.entry(), sort_keys=True)


def live() -> int:
    """How many shared encoders some loaded version still holds (tests, benchmarks)."""
    return len(_encoders)


def file_sha256(path: Path) -> str:
    """The sha256 of ``path``, read once per file: versions hard-link one export, so its inode names its content.

    A file replaced or rewritten has another inode, size or modification time and is read again.
    """
    st = os.stat(path)
    identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    digest = _digests.get(identity)
    if digest is None:
        digest = sha256_file(Path(path))
        with _lock:
            if len(_digests) > MAX_DIGESTS:
                _digests.clear()
            _digests[identity] = digest
    return digest
