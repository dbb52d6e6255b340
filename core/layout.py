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
import fcntl
import json
import os
import shutil
import time
import uuid
from pathlib import Path

FORMAT_VERSION = 3  # 2: passage_vectors.npy added; 3: per-model folders, stable passage ids, settings profile
POINTER = "CURRENT"
VERSIONS = "versions"
BUILDING_PREFIX = ".building-"
KEEP_VERSIONS = 3  # the published one plus two earlier ones, for readers still opening them

MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
CHUNK_VECTORS = "chunk_vectors.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
PASSAGE_VECTORS = "passage_vectors.npy"
CHUNK_FAISS = "chunks.faiss"
SENTENCE_FAISS = "sentences.faiss"  # written only from core.dense.SENTENCE_STORE_MIN_VECTORS sentences up
QUERY_ONNX = "query_encoder.onnx"  # optional: the query encoder exported to ONNX (ingest.onnx_export)
BM25_CHUNKS = "bm25_chunks"
BM25_SENTENCES = "bm25_sentences"
MODELS = "models"


class IndexMissing(FileNotFoundError):
    """No published index at the given location."""


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


def current_version(index_dir: Path) -> str | None:
    """Return the published version id, or None when nothing is published."""
    try:
        name = (Path(index_dir) / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def resolve(index_dir: Path, retries: int = 3) -> Path:
    """Return the directory of the published version.

    Raises:
        IndexMissing: nothing is published; run `python -m ingest`.
    """
    index_dir = Path(index_dir)
    for _ in range(retries):
        name = current_version(index_dir)
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
    cleanup(index_dir)
    return final


def cleanup(index_dir: Path) -> None:
    """Remove abandoned builds and all but the newest published versions. Call under the lock."""
    root = Path(index_dir) / VERSIONS
    if not root.exists():
        return
    current = current_version(index_dir)
    published = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if current is not None:
        # A version newer than the published one is an orphan of a run killed between rename and pointer swap.
        published = [p for p in published if p.name <= current]
    keep = {p.name for p in published[-KEEP_VERSIONS:]} | {current}
    for p in root.iterdir():
        if p.name.startswith(BUILDING_PREFIX) or (p.is_dir() and p.name not in keep):
            shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(index_dir: Path):
    """Hold the single-writer lock; a second ingestion waits instead of racing."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_manifest(version_dir: Path) -> dict:
    return json.loads((Path(version_dir) / MANIFEST).read_text())


def write_json(path: Path, obj) -> None:
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True))


def write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
