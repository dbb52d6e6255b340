"""Write and read one index version's artifacts (see core.layout for the directory format)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core import layout
from core.dense import DenseStore
from core.model import sha256_file
from core.types import Chunk, Document


class IndexFormatError(RuntimeError):
    """The index on disk is from another format version or is damaged."""


@dataclass(frozen=True)
class IndexData:
    """A loaded, immutable index version: everything the read path needs."""

    path: Path
    manifest: dict
    chunks: tuple[Chunk, ...]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    passage_vectors: np.ndarray  # one per chunk, of Chunk.passage_text
    sentence_chunk: np.ndarray  # chunk id of each sentence, in sentence-id order
    sentence_rank: np.ndarray  # position of each sentence within its chunk
    dense: DenseStore  # over chunk_vectors
    sentence_dense: DenseStore | None  # IVF over sentence_vectors for large indexes, else None (exact numpy)
    bm25_chunks: object
    bm25_sentences: object

    @property
    def version(self) -> str:
        return self.manifest["version"]


def sentence_table(chunks: list[Chunk] | tuple[Chunk, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Sentence ids are the sentences of the chunks taken in order; return (chunk id, rank) per sentence."""
    owner = [c.id for c in chunks for _ in c.sentences]
    rank = [i for c in chunks for i in range(len(c.sentences))]
    return np.asarray(owner, dtype=np.int64), np.asarray(rank, dtype=np.int64)


def sentence_texts(chunks) -> list[str]:
    return [c.text[s.start - c.start : s.end - c.start] for c in chunks for s in c.sentences]


def write_version(
    build_dir: Path,
    manifest: dict,
    documents: list[Document],
    chunks: list[Chunk],
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    dense: DenseStore,
    passage_vectors: np.ndarray,
    sentence_dense: DenseStore | None = None,
) -> dict:
    """Write every artifact, then the manifest (with artifact hashes) last. Returns the manifest."""
    from core.lexical import build_bm25

    build_dir = Path(build_dir)
    layout.write_jsonl(build_dir / layout.DOCUMENTS, (asdict(d) for d in documents))
    layout.write_jsonl(build_dir / layout.CHUNKS, (c.to_json() for c in chunks))
    np.save(build_dir / layout.CHUNK_VECTORS, chunk_vectors.astype(np.float32), allow_pickle=False)
    np.save(build_dir / layout.SENTENCE_VECTORS, sentence_vectors.astype(np.float32), allow_pickle=False)
    np.save(build_dir / layout.PASSAGE_VECTORS, passage_vectors.astype(np.float32), allow_pickle=False)
    dense.save(build_dir / layout.CHUNK_FAISS)
    if sentence_dense is not None:
        sentence_dense.save(build_dir / layout.SENTENCE_FAISS)
    lexical_chunks = [f"{c.section or ''}\n{c.text}" for c in chunks]
    build_bm25(lexical_chunks).save(str(build_dir / layout.BM25_CHUNKS), show_progress=False)
    build_bm25(sentence_texts(chunks)).save(str(build_dir / layout.BM25_SENTENCES), show_progress=False)
    manifest = dict(manifest)
    manifest["format_version"] = layout.FORMAT_VERSION
    # The ONNX export (~90 MB) was hashed when it was placed in the version: take that hash instead of reading it again.
    known = {layout.QUERY_ONNX: manifest["query_encoder"]["sha256"]} if (manifest.get("query_encoder") or {}).get("sha256") else {}
    manifest["artifacts"] = {
        str(p.relative_to(build_dir)): known.get(p.name) or sha256_file(p)
        for p in sorted(build_dir.rglob("*"))
        if p.is_file() and p.name != layout.MANIFEST
    }
    layout.write_json(build_dir / layout.MANIFEST, manifest)
    return manifest


def read_chunks(version_dir: Path) -> list[Chunk]:
    return [Chunk.from_json(d) for d in layout.read_jsonl(Path(version_dir) / layout.CHUNKS)]


def read_documents(version_dir: Path) -> list[Document]:
    rows = layout.read_jsonl(Path(version_dir) / layout.DOCUMENTS)
    return [Document(**{**r, "page_starts": tuple(r["page_starts"])}) for r in rows]


def read_vectors(version_dir: Path, map_sentences: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Chunk and sentence vectors; ``map_sentences`` memory-maps the sentence rows (read on demand)."""
    v = Path(version_dir)
    return (
        np.load(v / layout.CHUNK_VECTORS, allow_pickle=False),
        np.load(v / layout.SENTENCE_VECTORS, allow_pickle=False, mmap_mode="r" if map_sentences else None),
    )


def read_passage_vectors(version_dir: Path) -> np.ndarray:
    return np.load(Path(version_dir) / layout.PASSAGE_VECTORS, allow_pickle=False)


def load_index(index_dir: Path) -> IndexData:
    """Load the published version of ``index_dir`` completely into memory.

    Raises:
        layout.IndexMissing: nothing is published.
        IndexFormatError: another format version, or files missing; re-run ingestion.
    """
    import bm25s

    version_dir = layout.resolve(index_dir)
    try:
        manifest = layout.read_manifest(version_dir)
        if manifest.get("format_version") != layout.FORMAT_VERSION:
            raise IndexFormatError(
                f"The index in {index_dir}/ has format version {manifest.get('format_version')}, "
                f"this program reads version {layout.FORMAT_VERSION}: re-run `python -m ingest --full`."
            )
        chunks = tuple(read_chunks(version_dir))
        has_store = (version_dir / layout.SENTENCE_FAISS).exists()
        # With a sentence store the read path only gathers candidates' rows: map them instead of reading them all.
        chunk_vectors, sentence_vectors = read_vectors(version_dir, map_sentences=has_store)
        owner, rank = sentence_table(chunks)
        return IndexData(
            path=version_dir,
            manifest=manifest,
            chunks=chunks,
            chunk_vectors=chunk_vectors,
            sentence_vectors=sentence_vectors,
            passage_vectors=read_passage_vectors(version_dir),
            sentence_chunk=owner,
            sentence_rank=rank,
            dense=DenseStore.load(version_dir / layout.CHUNK_FAISS),
            sentence_dense=DenseStore.load(version_dir / layout.SENTENCE_FAISS) if has_store else None,
            bm25_chunks=bm25s.BM25.load(str(version_dir / layout.BM25_CHUNKS), show_progress=False, verbosity=0),
            bm25_sentences=bm25s.BM25.load(str(version_dir / layout.BM25_SENTENCES), show_progress=False, verbosity=0),
        )
    except (OSError, ValueError, KeyError) as e:
        raise IndexFormatError(f"The index in {version_dir} is damaged ({e}): re-run `python -m ingest --full`.") from e
