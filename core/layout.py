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
import json
import os
import re
import time
import uuid
from pathlib import Path

from core import jsonl
from core.errors import MythQAError
from core.lock import LOCK, LockHolder, file_lock, read_holder  # noqa: F401 - part of the layout API
from core.lock import writer_lock as _writer_lock

# 2: passage_vectors.npy added; 3: per-model folders, stable passage ids, settings profile; 4: entity mentions and quotes
FORMAT_VERSION = 4
POINTER = "CURRENT"
VERSIONS = "versions"
BUILDING_PREFIX = ".building-"
KEEP_VERSIONS = 3  # the published one plus two earlier ones, for readers still opening them
HISTORY = ".published"  # versions published here, oldest first: a version not listed is an orphan, never kept
EXPORT_CACHE = "onnx"  # cache_dir()/onnx/<key>/: core.onnx_export's checked exports
TUNED_CACHE = "tuned"  # cache_dir()/tuned/<tuning key>/: qa.tune's checked exports of tuned query encoders
TUNED_SPARES = 1  # tuned exports no published version links, kept for a re-tune that asks for one of them again
CACHE_TEMP = ".query_encoder."  # prefix of an export, or its record, still being written in an export cache folder

MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
CHUNK_VECTORS = "chunk_vectors.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
PASSAGE_VECTORS = "passage_vectors.npy"
CHUNK_FAISS = "chunks.faiss"
SENTENCE_FAISS = "sentences.faiss"  # written only from core.dense.SENTENCE_STORE_MIN_VECTORS sentences up
QUERY_ONNX = "query_encoder.onnx"  # optional: the query encoder exported to ONNX (core.onnx_export)
BM25_CHUNKS = "bm25_chunks"
BM25_SENTENCES = "bm25_sentences"
MODELS = "models"


class IndexMissing(MythQAError, FileNotFoundError):
    """No published index at the given location."""

    code = "index-missing"
    remedy = "build one with `python -m ingest`"


def model_path(version_dir: Path, key: str) -> Path:
    """The folder of one model's vectors, stores and query encoder inside a version."""
    return Path(version_dir) / MODELS / key


def cache_dir() -> Path:
    """Where derived model files are kept between builds: $MYTHQA_CACHE, else $XDG_CACHE_HOME/mythqa, else ~/.cache/mythqa."""
    if os.environ.get("MYTHQA_CACHE"):
        return Path(os.environ["MYTHQA_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mythqa"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush every file and directory below ``path`` to disk before it is published."""
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(Path(root) / name, "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(Path(root))


POINTER_MAX_BYTES = 256  # a version name is ~32 characters; anything longer is not a pointer this program wrote
_VERSION_NAME = re.compile(r"[0-9]{8}T[0-9]{6,12}-[0-9a-f]{8}")


def read_pointer(index_dir: Path) -> str | None:
    """The version name ``CURRENT`` holds, or None when nothing is published (no fallback: what writers see).

    Raises:
        IndexPointerError: ``CURRENT`` is not a version name (huge, not UTF-8, a path, or pointing outside
            ``versions/``): the reader never follows it.
    """
    path = Path(index_dir) / POINTER
    try:
        with open(path, "rb") as f:
            data = f.read(POINTER_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexPointerError(f"{path} cannot be read ({e.strerror or e})") from None
    try:
        name = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise IndexPointerError(f"{path} is not UTF-8 text") from None
    if len(data) > POINTER_MAX_BYTES or (name and not _VERSION_NAME.fullmatch(name)):
        raise IndexPointerError(f"{path} does not hold a version name")
    return name or None


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


class IndexPointerError(MythQAError, ValueError):
    """``CURRENT`` is damaged; re-publishing replaces it."""

    code = "index-damaged"
    remedy = "re-run `python -m ingest --full`"

    def __init__(self, what: str):
        super().__init__(f"The index is damaged: {what}. Re-run `python -m ingest --full`.")


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


def _versions(index_dir: Path) -> set[str]:
    return {p.name for p in (Path(index_dir) / VERSIONS).iterdir() if p.is_dir() and not p.name.startswith(".")}


def _history(index_dir: Path, versions: set[str], current: str | None) -> list[str]:
    """Published versions that still exist, oldest first, ending with the current one."""
    try:
        names = (Path(index_dir) / HISTORY).read_text(encoding="utf-8").split()
    except FileNotFoundError:
        # An index from before the history: the old rule, every version up to the published one (by build time).
        names = sorted(v for v in versions if current is not None and v <= current)
    except (OSError, UnicodeDecodeError):
        names = []
    names = [v for v in dict.fromkeys(names) if v in versions and v != current]
    return names + ([current] if current in versions else [])


def kept_versions(index_dir: Path) -> list[str]:
    """The published versions still kept, oldest first, ending with the current one."""
    try:
        return _history(Path(index_dir), _versions(Path(index_dir)), current_version(index_dir))
    except (OSError, ValueError, MythQAError):
        return []


def forget_version(index_dir: Path, name: str) -> None:
    """Take ``name`` out of the published history (call under the writer lock): a damaged version is not counted among
    the versions kept, and the cleanup after the next publish removes it."""
    versions = _versions(Path(index_dir))
    _write_history(index_dir, [v for v in _history(index_dir, versions, name) if v != name])


def _write_history(index_dir: Path, names: list[str]) -> None:
    tmp = Path(index_dir) / f"{HISTORY}.{os.getpid()}.tmp"
    try:
        tmp.write_text("".join(n + "\n" for n in names), encoding="utf-8")
        os.replace(tmp, Path(index_dir) / HISTORY)
    except OSError:
        tmp.unlink(missing_ok=True)  # the next cleanup rebuilds it: the current version is always kept


def read_manifest(version_dir: Path) -> dict:
    return json.loads((Path(version_dir) / MANIFEST).read_text())


def write_json(path: Path, obj) -> None:
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True))


def write_jsonl(path: Path, rows) -> None:
    jsonl.write(path, rows)


def read_jsonl(path: Path) -> list[dict]:
    return [row for _, row in jsonl.read(path).rows]


# The cleanup after each publish lives beside the layout; imported last, since it reads the names above.
from core.cleanup import clean_export_cache, cleanup  # noqa: E402, F401 - part of the layout API
