"""The on-disk index format: versioned build directories behind an atomically replaced pointer.

index/
  CURRENT                 name of the published version (replaced with os.replace)
  versions/<id>/          one complete build, never modified after publishing
    manifest.json         format version, models (spec, query encoder, stores), settings profile, chunking,
                          per-file hashes, counts, artifact hashes
    documents.jsonl       one ingested source text per line (offsets below index into it)
    chunks.jsonl          one Chunk per line, in vector order (Chunk.uid is the stable passage id);
                          sentences in order give sentence ids
    bm25_chunks/          bm25s index over chunk texts
    bm25_sentences/       bm25s index over sentence texts
    models/<key>/         one folder per embedding model (core.spec.ModelSpec.key), all rows in chunk order:
      chunk_vectors.npy     float32, L2-normalised, one row per chunk
      sentence_vectors.npy  float32, L2-normalised, one row per sentence
      passage_vectors.npy   float32, L2-normalised, one row per chunk, of "section\ntext" (Chunk.passage_text)
      chunks.faiss          FAISS inner-product index over chunk_vectors
      sentences.faiss       IVF-Flat over sentence_vectors, only for large indexes: candidates for the read path
      query_encoder.onnx    the model's transformer as ONNX, for queries (optional; hard link shared between versions)
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import time
import uuid
from pathlib import Path

from core import settings
from core.cleanup import clean_export_cache, cleanup  # noqa: F401 - part of the layout API
from core.errors import MythQAError
from core.lock import writer_lock as _writer_lock
from core.versions import (  # noqa: F401 - the names on disk, the pointer and the history: part of the layout API
    BM25_CHUNKS,
    BM25_SENTENCES,
    BUILDING_PREFIX,
    CACHE_TEMP,
    CHUNK_FAISS,
    CHUNK_VECTORS,
    CHUNKS,
    DOCUMENTS,
    EXPORT_CACHE,
    FORMAT_VERSION,
    HISTORY,
    KEEP_VERSIONS,
    LOCK,
    MANIFEST,
    MODELS,
    PASSAGE_VECTORS,
    POINTER,
    POINTER_MAX_BYTES,
    QUERY_DATA,
    QUERY_ONNX,
    SENTENCE_FAISS,
    SENTENCE_VECTORS,
    TUNED_CACHE,
    TUNED_SPARES,
    VERSIONS,
    IndexMissing,
    IndexPointerError,
    LockHolder,
    _fsync_dir,
    _history,
    _versions,
    _write_history,
    cache_dir,
    file_lock,
    forget_version,
    fsync_tree,
    model_path,
    query_files,
    read_holder,
    read_jsonl,
    read_manifest,
    read_pointer,
    write_json,
    write_jsonl,
)


def default_index(environ=None) -> Path:
    """The index folder every command uses without ``--index``: ``MYTHQA_INDEX``, else ``index/`` (the app and the API
    read the same variable, so `make index` with it set builds the folder they serve)."""
    return settings.load(environ).index


def default_corpus(environ=None) -> Path:
    """The corpus folder without ``--corpus``: ``MYTHQA_CORPUS``, else ``corpus/`` (as the app's rebuild button reads it)."""
    return settings.load(environ).corpus


def current_version(index_dir: Path, fallback: bool = True) -> str | None:
    """The version readers answer from: the one ``CURRENT`` names or, when it is garbage or names a missing or damaged
    version, the newest intact published version kept (core.fallback: logged once, ``fallback_reason`` says it). A run
    holding the writer lock, or ``fallback=False``, reads the pointer as it is. None when nothing is published.

    Raises:
        IndexPointerError: ``CURRENT`` is damaged and no kept version is intact.
    """
    if not fallback or _key(index_dir) in _writing.get():
        return read_pointer(index_dir)
    from core import fallback as fb

    return fb.current_version(index_dir)


def fallback_reason(index_dir: Path) -> str | None:
    """Why readers answer from another version than the one ``CURRENT`` names (no server path in it), or None."""
    from core import fallback as fb

    return fb.reason(index_dir)


_writing: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("writing", default=frozenset())


def _key(index_dir: Path) -> str:
    return os.path.abspath(index_dir)


@contextlib.contextmanager
def writer_lock(index_dir: Path, on_wait=None):
    """core.lock.writer_lock; inside it this thread reads ``CURRENT`` as it is (a writer repairs, never falls back)."""
    with _writer_lock(index_dir, on_wait):
        token = _writing.set(_writing.get() | {_key(index_dir)})
        try:
            yield
        finally:
            _writing.reset(token)


def resolve(index_dir: Path, retries: int = 3, fallback: bool = True) -> Path:
    """Return the directory of the version readers answer from (``current_version``; ``fallback=False``: the one named).

    Raises:
        IndexMissing: nothing is published; run `python -m ingest`.
    """
    index_dir = Path(index_dir)
    for _ in range(retries):
        name = current_version(index_dir, fallback)
        if name is None:
            break
        path = index_dir / VERSIONS / name
        if (path / MANIFEST).exists():
            return path
        time.sleep(0.05)  # a publish may be swapping the pointer right now
    raise IndexMissing(f"No index is published in {index_dir}/. Build one with `python -m ingest --index {index_dir}`.")


def new_build_dir(index_dir: Path) -> tuple[str, Path]:
    """Create an unpublished build directory; readers never look inside it."""
    now = time.time()
    # Microseconds keep names in build order when several builds finish within one second (cleanup sorts by name).
    version = time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f"{int(now % 1 * 1e6):06d}-" + uuid.uuid4().hex[:8]
    path = Path(index_dir) / VERSIONS / (BUILDING_PREFIX + version)
    path.mkdir(parents=True)
    return version, path


def publish(index_dir: Path, version: str, build_dir: Path) -> Path:
    """Make a finished build the published index in one atomic step, then drop old versions."""
    index_dir = Path(index_dir)
    fsync_tree(build_dir)
    final = index_dir / VERSIONS / version
    os.rename(build_dir, final)
    _fsync_dir(final.parent)
    tmp = index_dir / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / POINTER)  # the single atomic switch readers observe
    _fsync_dir(index_dir)
    # Listed only after the swap: a run killed between rename and swap leaves an orphan that no history names.
    _write_history(index_dir, _history(index_dir, _versions(index_dir), version))
    cleanup(index_dir)
    return final


def kept_versions(index_dir: Path) -> list[str]:
    """The published versions still kept, oldest first, ending with the current one."""
    try:
        return _history(Path(index_dir), _versions(Path(index_dir)), current_version(index_dir))
    except (OSError, ValueError, MythQAError):
        return []
