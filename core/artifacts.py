"""Write and read one index version's artifacts (see core.layout for the directory format); the one loader."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core import layout
from core.compat import REBUILD, IndexFormatError, check_format, usable_models
from core.dense import DenseStore
from core.model import ModelError, sha256_file
from core.spec import QUERY_FILES, ModelSpec
from core.types import Chunk, Document
from core.verify import damaged, verify_chunks, verify_files, verify_store

VECTOR_FILES = {"chunk": layout.CHUNK_VECTORS, "sentence": layout.SENTENCE_VECTORS, "passage": layout.PASSAGE_VECTORS}

__all__ = ["IndexFormatError", "IndexData", "ModelVectors", "load_index"]


@dataclass(frozen=True)
class ModelVectors:
    """One model's share of a version: its spec, its vectors (rows in chunk / sentence order) and stores."""

    spec: ModelSpec
    entry: dict  # the manifest's record of this model (spec, query encoder, stores)
    path: Path  # versions/<v>/models/<key>
    model_dir: Path | None  # the verified model files (None for file-less kinds)
    chunk: np.ndarray | None  # None for a model whose spec embeds no chunk recipe
    sentence: np.ndarray
    passage: np.ndarray
    dense: DenseStore | None  # over chunk vectors (None without them)
    sentence_dense: DenseStore | None  # IVF over sentence vectors for large indexes, else None (exact numpy)


@dataclass(frozen=True)
class IndexData:
    """A loaded, immutable index version: everything the read path needs."""

    path: Path
    manifest: dict
    chunks: tuple[Chunk, ...]
    sentence_chunk: np.ndarray  # chunk id of each sentence, in sentence-id order
    sentence_rank: np.ndarray  # position of each sentence within its chunk
    bm25_chunks: object
    bm25_sentences: object
    models: Mapping[str, ModelVectors]  # in manifest order; the first is the primary model
    notices: tuple[str, ...] = ()  # models the index holds that cannot be used here, and why

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def primary(self) -> ModelVectors:
        return next(iter(self.models.values()))


def sentence_table(chunks) -> tuple[np.ndarray, np.ndarray]:
    """Sentence ids are the sentences of the chunks taken in order; return (chunk id, rank) per sentence."""
    owner = [c.id for c in chunks for _ in c.sentences]
    rank = [i for c in chunks for i in range(len(c.sentences))]
    return np.asarray(owner, dtype=np.int64), np.asarray(rank, dtype=np.int64)


def sentence_texts(chunks) -> list[str]:
    return [c.text[s.start - c.start : s.end - c.start] for c in chunks for s in c.sentences]


def write_model(folder: Path, vectors: Mapping[str, np.ndarray], dense: DenseStore | None, sentence_dense: DenseStore | None) -> None:
    """Write one model's vectors (the kinds its spec embeds) and stores into ``folder`` (models/<key> of a build)."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, v in vectors.items():
        np.save(folder / VECTOR_FILES[kind], np.asarray(v, dtype=np.float32), allow_pickle=False)
    if dense is not None:
        dense.save(folder / layout.CHUNK_FAISS)
    if sentence_dense is not None:
        sentence_dense.save(folder / layout.SENTENCE_FAISS)


def write_version(build_dir: Path, manifest: dict, documents: list[Document], chunks: list[Chunk]) -> dict:
    """Write the shared artifacts, then the manifest (with every artifact's hash) last. Returns the manifest.

    Each model's folder must already be written (``write_model``, and the query encoder).
    """
    from core.lexical import build_bm25

    build_dir = Path(build_dir)
    layout.write_jsonl(build_dir / layout.DOCUMENTS, (asdict(d) for d in documents))
    layout.write_jsonl(build_dir / layout.CHUNKS, (c.to_json() for c in chunks))
    lexical_chunks = [f"{c.section or ''}\n{c.text}" for c in chunks]
    build_bm25(lexical_chunks).save(str(build_dir / layout.BM25_CHUNKS), show_progress=False)
    build_bm25(sentence_texts(chunks)).save(str(build_dir / layout.BM25_SENTENCES), show_progress=False)
    manifest = dict(manifest)
    manifest["format_version"] = layout.FORMAT_VERSION
    # The ONNX exports (~90 MB each) were hashed when placed in the version: take those hashes instead of reading again.
    known = {
        f"{layout.MODELS}/{key}/{name}": m["query_encoder"][field]
        for key, m in manifest["models"].items()
        for name, field in ((layout.QUERY_ONNX, "sha256"), (layout.QUERY_DATA, "data_sha256"))
        if (m.get("query_encoder") or {}).get(field)
    }
    files = {p.relative_to(build_dir).as_posix(): p for p in sorted(build_dir.rglob("*")) if p.is_file() and p.name != layout.MANIFEST}
    manifest["artifacts"] = {rel: known.get(rel) or sha256_file(p) for rel, p in files.items()}
    manifest["artifact_bytes"] = {rel: p.stat().st_size for rel, p in files.items()}  # checked on every load (core.verify)
    layout.write_json(build_dir / layout.MANIFEST, manifest)
    return manifest


def read_chunks(version_dir: Path) -> list[Chunk]:
    return [Chunk.from_json(d) for d in layout.read_jsonl(Path(version_dir) / layout.CHUNKS)]


def read_documents(version_dir: Path) -> list[Document]:
    rows = layout.read_jsonl(Path(version_dir) / layout.DOCUMENTS)
    return [Document(**{**r, "page_starts": tuple(r["page_starts"])}) for r in rows]


def read_model_vectors(folder: Path, kinds=tuple(VECTOR_FILES), map_sentences: bool = False) -> dict[str, np.ndarray]:
    """One model's vectors of the given kinds (its spec's recipes); ``map_sentences`` memory-maps the sentence rows."""
    return {
        kind: np.load(
            Path(folder) / VECTOR_FILES[kind], allow_pickle=False, mmap_mode="r" if map_sentences and kind == "sentence" else None
        )
        for kind in kinds
    }


def _load_model(version_dir: Path, spec: ModelSpec, entry: dict, n_chunks: int, n_sentences: int) -> ModelVectors:
    folder = layout.model_path(version_dir, spec.key)
    has_store = (folder / layout.SENTENCE_FAISS).exists()
    # With a sentence store the read path only gathers candidates' rows: map them instead of reading them all.
    vectors = read_model_vectors(folder, tuple(spec.recipes), map_sentences=has_store)
    rows = {"chunk": n_chunks, "passage": n_chunks, "sentence": n_sentences}
    for kind, v in vectors.items():
        if v.ndim != 2 or v.shape != (rows[kind], spec.dimension):
            raise IndexFormatError(
                f"The {kind} vectors of model “{spec.key}” in {version_dir} have shape {v.shape}, not "
                f"({rows[kind]}, {spec.dimension}): {REBUILD}."
            )
    dense = DenseStore.load(folder / layout.CHUNK_FAISS) if "chunk" in vectors else None
    sentence_dense = DenseStore.load(folder / layout.SENTENCE_FAISS) if has_store else None
    verify_store(dense, n_chunks, spec.dimension, f"the chunk store of “{spec.key}”", version_dir)
    verify_store(sentence_dense, n_sentences, spec.dimension, f"the sentence store of “{spec.key}”", version_dir)
    model_dir = spec.model_dir(only=QUERY_FILES)
    chunk, sentence, passage = vectors.get("chunk"), vectors["sentence"], vectors["passage"]
    return ModelVectors(spec, entry, folder, model_dir, chunk, sentence, passage, dense, sentence_dense)


def load_index(index_dir: Path, models=None, retries: int = 3, version: str | None = None) -> IndexData:
    """Load the published version of ``index_dir`` (``CURRENT`` is read once per try), or a kept earlier ``version``
    (evaluators compare versions), with the models usable here.

    Args:
        index_dir: an index folder written by ``python -m ingest``.
        models: keys of the models to load (default: every model of the index that is usable here).
        retries: how often to start again when the version being read was replaced and removed meanwhile
            (ingestion keeps only a few versions); a version that fails while it is still published is damaged.

    Raises:
        layout.IndexMissing: nothing is published.
        IndexFormatError: another format version, files missing or damaged, or none of its models usable here.
    """
    if version is not None:
        if version not in layout.kept_versions(index_dir):
            raise layout.IndexMissing(f"{index_dir} keeps no version {version!r}")
        return _load_version(Path(index_dir) / layout.VERSIONS / version, models)
    for attempt in range(retries):
        version_dir = layout.resolve(index_dir)
        try:
            return _load_version(version_dir, models)
        except IndexFormatError:
            moved_on = layout.current_version(index_dir) != version_dir.name
            if not moved_on or attempt == retries - 1:
                raise
    raise AssertionError("unreachable")


def _load_version(version_dir: Path, models) -> IndexData:
    import bm25s

    try:
        manifest = layout.read_manifest(version_dir)
        check_format(manifest, version_dir)
        specs, notes = usable_models(manifest, models)
        verify_files(version_dir, manifest, skip=layout.query_files(manifest["models"]))  # hashed by qa.loader
        chunks = tuple(read_chunks(version_dir))
        verify_chunks(chunks, version_dir)
        owner, rank = sentence_table(chunks)
        loaded = {}
        for key, spec in specs.items():
            try:
                loaded[key] = _load_model(version_dir, spec, manifest["models"][key], len(chunks), len(owner))
            except ModelError as e:
                notes.append(str(e))
        if not loaded:
            raise IndexFormatError(f"None of the models of the index in {version_dir} can be used here ({'; '.join(notes)}): {REBUILD}.")
        return IndexData(
            path=version_dir,
            manifest=manifest,
            chunks=chunks,
            sentence_chunk=owner,
            sentence_rank=rank,
            bm25_chunks=bm25s.BM25.load(str(version_dir / layout.BM25_CHUNKS), show_progress=False, verbosity=0),
            bm25_sentences=bm25s.BM25.load(str(version_dir / layout.BM25_SENTENCES), show_progress=False, verbosity=0),
            models=loaded,
            notices=tuple(notes),
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexFormatError(f"The index in {version_dir} is damaged ({e}): {REBUILD}.") from e


def verify_published(index_dir: Path) -> str:
    """The full check of the published version (every hash, the ONNX exports too, then a complete load); returns a
    one-line summary. Raises IndexFormatError (or layout.IndexMissing) naming the first damage found."""
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
