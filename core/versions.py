"""The index's names on disk, its pointer and its record of published versions (the format core.layout describes).

Everything that reads or cleans an index builds on this module; it imports no other index module (the fallback to an
intact version and the cleanup after a publish sit above it, in core.layout).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from core import jsonl, settings
from core.errors import MythQAError
from core.lock import LOCK, LockHolder, file_lock, read_holder  # noqa: F401 - part of the layout API

# 2: passage_vectors.npy added; 3: per-model folders, stable passage ids, settings profile; 4: entity mentions and quotes
FORMAT_VERSION = 4
POINTER = "CURRENT"
VERSIONS = "versions"
BUILDING_PREFIX = ".building-"
KEEP_VERSIONS = 3  # the published one plus two earlier ones, for readers still opening them
HISTORY = ".published"  # versions published here, oldest first: a version not listed is an orphan, never kept
EXPORT_CACHE = "onnx"  # cache_dir()/onnx/<key>/: core.onnx_export's checked exports
TUNED_CACHE = "tuned"  # cache_dir()/tuned/<tuning key>/: learn.tune's checked exports of tuned query encoders
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
# Its weights, beside it: onnxruntime maps an external-data file into memory instead of copying it, so a session opens in
# 0.4 s instead of 1.0 s (mpnet) and processes share the pages. Indexes exported before hold the graph file alone.
QUERY_DATA = "query_encoder.onnx.data"
BM25_CHUNKS = "bm25_chunks"
BM25_SENTENCES = "bm25_sentences"
MODELS = "models"


def query_files(keys) -> tuple[str, ...]:
    """The query encoder files of each model key, relative to a version: hashed where they are loaded (qa.loader)."""
    return tuple(f"{MODELS}/{key}/{name}" for key in keys for name in (QUERY_ONNX, QUERY_DATA))


class IndexMissing(MythQAError, FileNotFoundError):
    """No published index at the given location."""

    code = "index-missing"
    remedy = "build one with `python -m ingest`"


def model_path(version_dir: Path, key: str) -> Path:
    """The folder of one model's vectors, stores and query encoder inside a version."""
    return Path(version_dir) / MODELS / key


def cache_dir() -> Path:
    """Where derived model files are kept between builds: $MYTHQA_CACHE, else $XDG_CACHE_HOME/mythqa, else ~/.cache/mythqa."""
    return settings.load().cache_path()


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


class IndexPointerError(MythQAError, ValueError):
    """``CURRENT`` is damaged; re-publishing replaces it."""

    code = "index-damaged"
    remedy = "re-run `python -m ingest --full`"

    def __init__(self, what: str):
        super().__init__(f"The index is damaged: {what}. Re-run `python -m ingest --full`.")


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
