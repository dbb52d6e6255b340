"""Plan, build and publish an index: incremental, crash-safe, never damaging the published one."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core import layout
from core.lexical import LEXICAL_SETTINGS
from core.model import max_seq_length, verify_model
from core.types import Chunk, Document, MythInfo
from ingest.chunk import SPLITTER, chunk_document
from ingest.load import Limits, Skipped, SourceFile, discover, read_document
from ingest.structure import parse

SENTENCE_TEXT = "sentence"  # sentences are embedded bare; chunks carry the myth/section context


@dataclass(frozen=True)
class FileReport:
    source: str
    status: str  # added | changed | unchanged | removed | skipped
    reason: str = ""
    chunks: int = 0
    sentences: int = 0


@dataclass
class BuildReport:
    """What a run did, for the CLI report, the UI and tests."""

    files: list[FileReport] = field(default_factory=list)
    myths: list[MythInfo] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0
    model_loaded: bool = False
    published: str | None = None
    dry_run: bool = False
    message: str = ""
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    exit_code: int = 0


def _settings(model_dir: Path) -> dict:
    return {"max_tokens": max_seq_length(model_dir), "splitter": SPLITTER, "sentence_text": SENTENCE_TEXT}


def run_ingest(
    corpus: Path,
    index: Path,
    full: bool = False,
    dry_run: bool = False,
    model_dir: Path | None = None,
    limits: Limits = Limits(),
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    encoder=None,
) -> BuildReport:
    """Bring ``index`` up to date with ``corpus``.

    Args:
        corpus: folder of .txt/.md/.pdf/.html files, read recursively.
        index: index folder; the published version is replaced atomically.
        full: rebuild everything instead of reusing unchanged files' chunks and vectors.
        dry_run: report what would change; write nothing.
        model_dir: another sentence-transformers model directory (default: the bundled one).
        limits: size, time and memory bounds for reading files.
        progress: show a progress bar while embedding.
        on_progress: callback (done, total) while embedding.
        encoder: an already loaded model for ``model_dir`` (tests and the app reuse theirs).

    Returns:
        A BuildReport; ``exit_code`` is 0 (all ingested), 1 (some skipped) or 2 (nothing usable).
    """
    t0 = time.perf_counter()
    report = BuildReport(dry_run=dry_run)
    corpus, index = Path(corpus), Path(index)
    if not corpus.is_dir():
        report.message = f"Corpus folder {corpus}/ does not exist: create it and put .txt, .md, .pdf or .html files in it."
        report.exit_code = 2
        return report
    mdir, model_id, hashes = verify_model(model_dir)
    settings = _settings(mdir)
    with layout.writer_lock(index):
        prev_dir = _previous(index)
        prev = layout.read_manifest(prev_dir) if prev_dir else None
        reusable = prev is not None and not full and _compatible(prev, hashes, settings)
        prev_files = prev["files"] if reusable else {}
        found = discover(corpus, limits)
        plan = _plan(found, prev_files)
        removed = sorted(set(prev_files) - {f.source for f in found})
        report.files += [FileReport(s, "removed") for s in removed]
        changed = any(st != "unchanged" for st, _ in plan.values()) or removed or not reusable
        if not changed:
            for sf in found:
                entry = prev_files[sf.source]
                status = "skipped" if entry.get("skip") else "unchanged"
                report.files.append(FileReport(sf.source, status, entry.get("skip", ""), entry.get("chunks", 0), entry.get("sentences", 0)))
            report.myths = [MythInfo(**{**m, "missing_sections": tuple(m["missing_sections"])}) for m in prev["myths"]]
            report.chunks, report.sentences = prev["counts"]["chunks"], prev["counts"]["sentences"]
            report.message = "Index is up to date; nothing to do."
            return _finish(report, t0)
        if dry_run:
            for sf in found:
                status, reason = plan[sf.source]
                report.files.append(FileReport(sf.source, status, reason))
            report.message = "Dry run: nothing was written." + (
                "" if reusable or prev is None else " A full rebuild is needed (model, settings or format changed)."
            )
            return _finish(report, t0)
        return _build(
            report,
            t0,
            corpus,
            index,
            found,
            plan,
            prev_dir if reusable else None,
            prev_files,
            mdir,
            model_id,
            hashes,
            settings,
            limits,
            progress,
            on_progress,
            encoder,
        )


def _previous(index: Path) -> Path | None:
    try:
        return layout.resolve(index)
    except layout.IndexMissing:
        return None


def _compatible(prev: dict, hashes: dict, settings: dict) -> bool:
    return (
        prev.get("format_version") == layout.FORMAT_VERSION
        and prev.get("model", {}).get("sha256") == hashes
        and prev.get("chunking") == settings
        and prev.get("lexical") == LEXICAL_SETTINGS
    )


def _plan(found: list[SourceFile], prev_files: dict) -> dict[str, tuple[str, str]]:
    plan = {}
    for sf in found:
        old = prev_files.get(sf.source)
        if sf.skip:
            same = old is not None and old.get("skip") == sf.skip
            plan[sf.source] = ("unchanged" if same else "skipped", sf.skip)
        elif old is None:
            plan[sf.source] = ("added", "")
        elif old["sha256"] != sf.sha256:
            plan[sf.source] = ("changed", "")
        else:
            plan[sf.source] = ("unchanged", old.get("skip", ""))
    return plan


def _build(
    report, t0, corpus, index, found, plan, prev_dir, prev_files, mdir, model_id, hashes, settings, limits, progress, on_progress, encoder
):
    from core.artifacts import read_chunks, read_documents, read_vectors
    from core.model import load_tokenizer

    tokenizer = load_tokenizer(mdir)
    old_chunks = read_chunks(prev_dir) if prev_dir else []
    old_cvec, old_svec = read_vectors(prev_dir) if prev_dir else (None, None)
    old_docs = {d.source: d for d in read_documents(prev_dir)} if prev_dir else {}
    by_source: dict[str, list[int]] = {}
    for i, c in enumerate(old_chunks):
        by_source.setdefault(c.source, []).append(i)
    sent_offsets = np.cumsum([0] + [len(c.sentences) for c in old_chunks])

    docs: list[Document] = []
    pieces: list[tuple[list[Chunk], np.ndarray | None, np.ndarray | None]] = []
    files_meta: dict[str, dict] = {}
    t_parse = time.perf_counter()
    for sf in found:
        status, reason = plan[sf.source]
        old_skip = prev_files.get(sf.source, {}).get("skip")
        if status == "skipped" or (status == "unchanged" and old_skip):
            report.files.append(FileReport(sf.source, "skipped", reason or old_skip))
            files_meta[sf.source] = {"sha256": sf.sha256, "size": sf.size, "skip": reason or old_skip}
            continue
        if status == "unchanged" and sf.source in old_docs:
            rows = by_source.get(sf.source, [])
            chunks = [old_chunks[i] for i in rows]
            srows = [j for i in rows for j in range(sent_offsets[i], sent_offsets[i + 1])]
            pieces.append((chunks, old_cvec[rows], old_svec[srows]))
            docs.append(old_docs[sf.source])
            meta = prev_files[sf.source]
        else:
            doc = read_document(sf, limits)
            if isinstance(doc, Skipped):
                report.files.append(FileReport(sf.source, "skipped", doc.reason))
                files_meta[sf.source] = {"sha256": sf.sha256, "size": sf.size, "skip": doc.reason}
                continue
            blocks, myths = parse(doc)
            chunks = chunk_document(doc, blocks, tokenizer)
            if not chunks:
                report.files.append(FileReport(sf.source, "skipped", "no text to index"))
                files_meta[sf.source] = {"sha256": sf.sha256, "size": sf.size, "skip": "no text to index"}
                continue
            note = f"decoded as {doc.encoding} (not valid UTF-8)" if doc.encoding in ("cp1252", "latin-1") else ""
            pieces.append((chunks, None, None))
            docs.append(doc)
            meta = {"sha256": sf.sha256, "size": sf.size, "note": note, "myths": [_myth_json(m) for m in myths]}
        meta = {**meta, "chunks": len(chunks), "sentences": sum(len(c.sentences) for c in chunks)}
        files_meta[sf.source] = meta
        report.files.append(FileReport(sf.source, status, meta.get("note", ""), meta["chunks"], meta["sentences"]))
    report.timings["read_parse_chunk_s"] = time.perf_counter() - t_parse

    all_chunks = [c for chunks, _, _ in pieces for c in chunks]
    if not all_chunks:
        report.message = "Nothing usable was found in the corpus; the previous index (if any) is unchanged."
        report.exit_code = 2
        return _finish(report, t0)

    todo = [c for chunks, v, _ in pieces if v is None for c in chunks]
    from core.artifacts import sentence_texts

    texts = [c.embed_text for c in todo] + sentence_texts(todo)
    t_enc = time.perf_counter()
    new_vecs = np.zeros((0, 0), dtype=np.float32)
    if texts:
        if encoder is None:
            from core.model import load_encoder

            t_load = time.perf_counter()
            encoder = load_encoder(mdir)
            report.timings["model_load_s"] = time.perf_counter() - t_load
            report.model_loaded = True
        t_enc = time.perf_counter()
        from ingest.embed import encode

        new_vecs = encode(encoder, texts, progress=progress, on_progress=on_progress)
        report.embedded = len(todo)
    report.timings["encode_s"] = time.perf_counter() - t_enc
    dim = new_vecs.shape[1] if len(texts) else old_cvec.shape[1]

    cvecs, svecs, pos_c, pos_s = [], [], 0, len(todo)
    for chunks, cv, sv in pieces:
        if cv is None:
            n_s = sum(len(c.sentences) for c in chunks)
            cv, sv = new_vecs[pos_c : pos_c + len(chunks)], new_vecs[pos_s : pos_s + n_s]
            pos_c, pos_s = pos_c + len(chunks), pos_s + n_s
        cvecs.append(cv)
        svecs.append(sv)
    all_chunks = [replace(c, id=i) for i, c in enumerate(all_chunks)]
    chunk_vectors = np.vstack(cvecs).astype(np.float32)
    sentence_vectors = np.vstack(svecs).astype(np.float32) if svecs else np.zeros((0, dim), np.float32)

    t_write = time.perf_counter()
    from core.artifacts import write_version
    from core.dense import DenseStore

    dense = DenseStore(dim)
    dense.add(chunk_vectors)
    myths = [m for s in sorted(files_meta) for m in files_meta[s].get("myths", []) if not files_meta[s].get("skip")]
    version, build_dir = layout.new_build_dir(index)
    manifest = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {"id": model_id, "path": str(mdir), "dimension": int(dim), "sha256": hashes},
        "chunking": settings,
        "lexical": LEXICAL_SETTINGS,
        "dense": {"kind": dense.kind, "count": len(dense)},
        "corpus": str(corpus),
        "files": files_meta,
        "myths": myths,
        "counts": {
            "documents": len(docs),
            "chunks": len(all_chunks),
            "sentences": int(len(sentence_vectors)),
            "myths": len({m["myth"] for m in myths if m["myth"] is not None}),
            "skipped": sum(1 for m in files_meta.values() if m.get("skip")),
        },
    }
    write_version(build_dir, manifest, docs, all_chunks, chunk_vectors, sentence_vectors, dense)
    layout.publish(index, version, build_dir)
    report.timings["write_publish_s"] = time.perf_counter() - t_write
    report.published = version
    report.myths = [MythInfo(**{**m, "missing_sections": tuple(m["missing_sections"])}) for m in myths]
    report.chunks, report.sentences = len(all_chunks), int(len(sentence_vectors))
    report.message = f"Published index version {version}."
    return _finish(report, t0)


def _myth_json(m: MythInfo) -> dict:
    return {
        "myth": m.myth,
        "title": m.title,
        "author": m.author,
        "affiliation": m.affiliation,
        "source": m.source,
        "missing_sections": list(m.missing_sections),
    }


def _finish(report: BuildReport, t0: float) -> BuildReport:
    report.seconds = time.perf_counter() - t0
    if report.exit_code == 0 and any(f.status == "skipped" for f in report.files):
        report.exit_code = 1
    return report
