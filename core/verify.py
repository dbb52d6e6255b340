"""Check a version against its manifest before anything is served from it: files, hashes, sizes and chunk spans."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from core.compat import IndexFormatError
from core.model import file_matches

# Every artifact is hashed on load up to this many bytes (vectors, chunks, BM25: ~2 MB for the shipped corpus, about
# 60 MB at 10k chunks with both models); above it, load checks presence, type and size, and the full hash check runs
# with `python -m ingest --verify` and in the app's background (bench/verify_cost.py measured the cost).
FULL_CHECK_BYTES = 256 * 1024 * 1024


def damaged(where: Path, what: str) -> IndexFormatError:
    return IndexFormatError(f"The index in {where} is damaged: {what}. Re-run `python -m ingest --full`.", code="index-damaged")


def artifact_table(manifest: Mapping, where: Path) -> dict[str, str]:
    """The manifest's ``artifacts`` (relative path → sha256), checked to be well formed and to stay inside the version."""
    table = manifest.get("artifacts")
    if not isinstance(table, Mapping) or not table:
        raise damaged(where, "the manifest lists no artifacts")
    for rel, digest in table.items():
        parts = Path(rel).parts if isinstance(rel, str) else ("..",)
        if not parts or Path(rel).is_absolute() or ".." in parts or not isinstance(digest, str) or len(digest) != 64:
            raise damaged(where, f"the manifest lists an artifact it may not name ({rel!r})")
    return dict(table)


def verify_files(version_dir: Path, manifest: Mapping, full: bool | None = None, skip: tuple[str, ...] = ()) -> int:
    """Check that every artifact is a regular file (never a symlink) inside ``version_dir`` with its recorded size, and
    with ``full`` (default: when the total is at most FULL_CHECK_BYTES) its recorded sha256.

    Args:
        skip: relative paths hashed elsewhere (the ONNX query encoders, checked where they are loaded).

    Returns:
        The bytes the artifacts take.

    Raises:
        IndexFormatError: a file is missing, a symlink or not a regular file, has another size or hash.
    """
    table = artifact_table(manifest, version_dir)
    sizes = manifest.get("artifact_bytes") if isinstance(manifest.get("artifact_bytes"), Mapping) else {}
    total, hashed, found = 0, 0, {}  # hashed: the bytes this check would hash (skipped files are hashed where loaded)
    for rel in table:
        path = Path(version_dir) / rel
        try:
            info = os.lstat(path)
        except OSError:
            raise damaged(version_dir, f"{rel} is missing") from None
        if not stat.S_ISREG(info.st_mode):
            raise damaged(version_dir, f"{rel} is not a regular file (a symlink or device is never followed)")
        if rel in sizes and sizes[rel] != info.st_size:
            raise damaged(version_dir, f"{rel} is {info.st_size:,} bytes, the manifest says {sizes[rel]:,}")
        found[rel] = path
        total += info.st_size
        hashed += 0 if rel in skip else info.st_size
    if full is None:
        full = hashed <= FULL_CHECK_BYTES
    if full:
        for rel, path in found.items():
            if rel not in skip and not file_matches(path, table[rel]):
                raise damaged(version_dir, f"{rel} differs from what was published (sha256 mismatch)")
    return total


def verify_chunks(chunks, where: Path) -> None:
    """Each chunk's id is its row, its text fills its span, and its sentences lie inside it in order."""
    for i, c in enumerate(chunks):
        if c.id != i or c.end - c.start != len(c.text) or not c.sentences:
            raise damaged(where, f"chunk row {i} does not match its id or span")
        last = c.start
        for s in c.sentences:
            if not (last <= s.start < s.end <= c.end):
                raise damaged(where, f"a sentence span of chunk {i} lies outside the chunk")
            last = s.end


def verify_store(store, rows: int, dimension: int, what: str, where: Path) -> None:
    """A FAISS store must have the model's dimension and one row per vector."""
    if store is not None and (store.dim != dimension or len(store) != rows):
        raise damaged(where, f"{what} holds {len(store)} vectors of dimension {store.dim}, not {rows} of {dimension}")


def verify_published(index_dir: Path) -> str:
    """The full check of the published version (every hash, the ONNX exports too, then a complete load); returns a
    one-line summary. Raises IndexFormatError (or layout.IndexMissing) naming the first damage found."""
    import time

    from core import layout
    from core.artifacts import load_index
    from core.compat import check_format

    t0 = time.perf_counter()
    version = layout.resolve(index_dir, fallback=False)  # the version CURRENT names, never a stand-in
    try:
        manifest = layout.read_manifest(version)
    except (OSError, ValueError) as e:
        raise damaged(version, f"the manifest cannot be read ({e})") from None
    check_format(manifest, version)
    total = verify_files(version, manifest, full=True)
    data = load_index(index_dir)
    return (
        f"Index version {version.name} verified: {len(manifest['artifacts'])} files, {total / 1e6:.1f} MB, every sha256 matches; "
        f"{len(data.chunks)} passages, models {', '.join(data.models)} ({time.perf_counter() - t0:.1f} s)."
    )
