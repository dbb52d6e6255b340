"""When ``CURRENT`` is damaged, answer from the newest intact kept version: which one, whether it is intact, and why.

A version is intact when its manifest reads, is of this program's format and every artifact verifies as the loader
checks it (core.verify.verify_files, ONNX query encoders aside: the loader hashes those itself). Verdicts are cached by
the files' stat signatures, so a reader asking before every question pays a few ``lstat`` calls, not a hash.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("mythqa.index")

_lock = threading.Lock()
_manifests: dict[str, tuple[tuple, dict | str]] = {}  # version dir -> (manifest's stat signature, manifest or why unreadable)
_verdicts: dict[tuple, str] = {}  # (version dir, every artifact's stat signature) -> "" intact, else what is wrong
_chosen: dict[str, Fallback] = {}  # index dir -> the fallback readers use now (absent when CURRENT is sound)
_told: set[tuple[str, str, str]] = set()  # (index dir, what CURRENT said, version used): each fallback is logged once
CACHE_LIMIT = 256  # verdicts kept; a long-running server sees a few versions a day, so this is never reached in use


@dataclass(frozen=True)
class Fallback:
    """The version answering instead of the one ``CURRENT`` names, and why."""

    index_dir: str
    named: str  # what CURRENT holds (a version name, or a description of its damage)
    version: str  # the kept version used instead
    why: str  # what is wrong with CURRENT or the version it names

    @property
    def message(self) -> str:
        """One line anyone may read (no server path): what answers instead, and what repairs it."""
        return (
            f"The published index version is damaged or missing; answering from the newest intact earlier version, "
            f"{self.version}, until the operator repairs it with `python -m ingest --full`."
        )

    @property
    def detail(self) -> str:
        """The operator's line for the log: what exactly is wrong, where."""
        return f"{self.index_dir}/CURRENT ({self.named}) is unusable: {self.why.rstrip('.')}. {self.message}"


def _stat(path: Path) -> tuple:
    try:
        s = os.lstat(path)
        return (s.st_ino, s.st_size, s.st_mtime_ns, s.st_mode)
    except OSError:
        return ()


def _manifest(version_dir: Path) -> dict | str:
    """The parsed manifest (cached while the file is unchanged), or why it cannot be read."""
    from core import versions

    key, sig = str(version_dir), _stat(version_dir / versions.MANIFEST)
    cached = _manifests.get(key)
    if cached is not None and cached[0] == sig:
        return cached[1]
    if not sig:
        found: dict | str = "it is missing"
    else:
        try:
            found = json.loads((version_dir / versions.MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            found = f"its manifest cannot be read ({type(e).__name__})"
    with _lock:
        _manifests[key] = (sig, found)
    return found


def damage(version_dir: Path) -> str:
    """ "" when the version is intact (see the module docstring), else what is wrong with it, in words."""
    from core import versions
    from core.compat import check_format
    from core.errors import MythQAError
    from core.verify import artifact_table, verify_files

    version_dir = Path(version_dir)
    manifest = _manifest(version_dir)
    if isinstance(manifest, str):
        return manifest
    try:
        check_format(manifest, version_dir)
        table = artifact_table(manifest, version_dir)
    except MythQAError as e:
        return str(e)
    key = (str(version_dir), _stat(version_dir / versions.MANIFEST), tuple(_stat(version_dir / rel) for rel in sorted(table)))
    if key in _verdicts:
        return _verdicts[key]
    try:
        verify_files(version_dir, manifest, skip=versions.query_files(manifest.get("models", {})))
        verdict = ""
    except MythQAError as e:
        verdict = str(e)
    with _lock:
        if len(_verdicts) >= CACHE_LIMIT:
            _verdicts.clear()
        _verdicts[key] = verdict
    return verdict


def current_version(index_dir: Path) -> str | None:
    """``CURRENT``'s version when it is intact, else the newest intact published one (layout.current_version)."""
    from core import versions

    try:
        name = versions.read_pointer(index_dir)
    except versions.IndexPointerError as e:
        if choose(index_dir, "not a version name", str(e), published(index_dir), None) is None:
            raise
        return current(index_dir).version
    if name is None:  # CURRENT emptied or deleted: an intact published version kept still answers
        return choose(index_dir, "missing or empty", "it is missing or empty", published(index_dir), None)
    why = damage(Path(index_dir) / versions.VERSIONS / name)
    if not why:
        forget(index_dir)
        return name
    # Nothing intact to fall back to: the loader then says what is wrong with the one named, as before.
    return choose(index_dir, name, why, published(index_dir), name) or name


def reason(index_dir: Path) -> str | None:
    """The fallback's message after reading the pointer afresh, or None (sound, or nothing to fall back to)."""
    from core.errors import MythQAError

    try:
        current_version(index_dir)
    except MythQAError:
        return None
    found = current(index_dir)
    return None if found is None else found.message


def published(index_dir: Path) -> list[str]:
    """Versions recorded as published, oldest first (every version, by name, in an index from before the record)."""
    from core import versions

    try:
        found = {p.name for p in (Path(index_dir) / versions.VERSIONS).iterdir() if p.is_dir() and not p.name.startswith(".")}
    except OSError:
        return []
    try:
        names = (Path(index_dir) / versions.HISTORY).read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return sorted(found)
    except (OSError, UnicodeDecodeError):
        return []
    return [v for v in dict.fromkeys(names) if v in found]


def newest_intact(index_dir: Path, candidates: list[str], skip: str | None) -> str | None:
    """The last of ``candidates`` (oldest first) other than ``skip`` that is intact, or None."""
    from core import versions

    for name in reversed(candidates):
        if name != skip and not damage(Path(index_dir) / versions.VERSIONS / name):
            return name
    return None


def choose(index_dir: Path, named: str, why: str, candidates: list[str], skip: str | None) -> str | None:
    """Record and log (once) the fallback from a damaged ``CURRENT`` to the newest intact candidate; None if none is."""
    version = newest_intact(index_dir, candidates, skip)
    key = os.path.abspath(index_dir)
    if version is None:
        forget(index_dir)
        return None
    chosen = Fallback(key, named, version, why)
    with _lock:
        _chosen[key] = chosen
        first = (key, named, version) not in _told
        _told.add((key, named, version))
    if first:
        log.warning("%s", chosen.detail)
    return version


def forget(index_dir: Path) -> None:
    """``CURRENT`` is sound (again): no fallback to report."""
    with _lock:
        _chosen.pop(os.path.abspath(index_dir), None)


def current(index_dir: Path) -> Fallback | None:
    """The fallback in use for ``index_dir`` at the last reading of its pointer, or None."""
    return _chosen.get(os.path.abspath(index_dir))
