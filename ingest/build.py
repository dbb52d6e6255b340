"""Plan, build and publish an index: incremental, crash-safe, never damaging the published one."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core import layout
from core.lexical import LEXICAL_SETTINGS
from core.model import verify_model
from ingest.chunk import chunk_document
from ingest.load import Limits, Skipped, SourceFile, discover, read_document
from ingest.plan import BuildReport, FileReport, compatible, myth_from_json, myth_to_json, plan_files, settings_for
from ingest.structure import parse


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
    settings = settings_for(mdir)
    with layout.writer_lock(index):
        prev_dir = _previous(index)
        prev = layout.read_manifest(prev_dir) if prev_dir else None
        reusable = prev is not None and not full and compatible(prev, hashes, settings)
        prev_files = prev["files"] if reusable else {}
        found = discover(corpus, limits)
        plan = plan_files(found, prev_files)
        removed = sorted(set(prev_files) - {f.source for f in found})
        report.files += [FileReport(s, "removed") for s in removed]
        # An index from before the ONNX query encoder gets one on the next run (its vectors are reused).
        changed = any(st != "unchanged" for st, _ in plan.values()) or removed or not reusable or "query_encoder" not in prev
        if not changed:
            for sf in found:
                entry = prev_files[sf.source]
                status = "skipped" if entry.get("skip") else "unchanged"
                report.files.append(FileReport(sf.source, status, entry.get("skip", ""), entry.get("chunks", 0), entry.get("sentences", 0)))
            report.myths = [myth_from_json(m) for m in prev["myths"]]
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
        run = _Run(report, t0, corpus, index, mdir, model_id, hashes, settings, limits, encoder=encoder)
        if prev_dir is not None:
            run.previous = {"dir": prev_dir, "manifest": prev}
        return _build(run, found, plan, prev_dir if reusable else None, prev_files, progress, on_progress)


def _previous(index: Path) -> Path | None:
    try:
        return layout.resolve(index)
    except layout.IndexMissing:
        return None


@dataclass
class _Run:
    """State shared by the stages of one build."""

    report: BuildReport
    t0: float
    corpus: Path
    index: Path
    model_dir: Path
    model_id: str
    hashes: dict
    settings: dict
    limits: Limits
    files: dict = field(default_factory=dict)  # source -> manifest entry
    encoder: object = None  # the SentenceTransformer, loaded only when something needs it
    previous: dict | None = None  # {"dir", "manifest"} of the published version

    def model(self):
        if self.encoder is None:
            from core.model import load_encoder

            t = time.perf_counter()
            self.encoder = load_encoder(self.model_dir)
            self.report.timings["model_load_s"] = time.perf_counter() - t
            self.report.model_loaded = True
        return self.encoder


def _build(run: _Run, found, plan, prev_dir, prev_files, progress, on_progress) -> BuildReport:
    from ingest.previous import Previous

    t = time.perf_counter()
    pieces = _collect(run, found, plan, Previous(prev_dir), prev_files)
    run.report.timings["read_parse_chunk_s"] = time.perf_counter() - t
    if not pieces:
        run.report.message = "Nothing usable was found in the corpus; the previous index (if any) is unchanged."
        run.report.exit_code = 2
        return _finish(run.report, run.t0)
    pieces = _embed(run, pieces, progress, on_progress)
    return _publish(run, pieces)


def _skip(run: _Run, sf: SourceFile, reason: str) -> None:
    run.report.files.append(FileReport(sf.source, "skipped", reason))
    run.files[sf.source] = {"sha256": sf.sha256, "size": sf.size, "skip": reason}


def _collect(run: _Run, found, plan, previous, prev_files) -> list:
    """Reuse unchanged files' pieces; read, structure and chunk the rest."""
    from core.model import load_tokenizer
    from ingest.previous import Piece

    tokenizer = load_tokenizer(run.model_dir)
    pieces = []
    for sf in found:
        status, reason = plan[sf.source]
        old = prev_files.get(sf.source, {})
        if status == "skipped" or (status == "unchanged" and old.get("skip")):
            _skip(run, sf, reason or old["skip"])
            continue
        piece = previous.take(sf.source) if status == "unchanged" else None
        if piece is not None:
            meta = old
        else:
            doc = read_document(sf, run.limits)
            if isinstance(doc, Skipped):
                _skip(run, sf, doc.reason)
                continue
            blocks, myths = parse(doc)
            piece = Piece(doc, chunk_document(doc, blocks, tokenizer))
            if not piece.chunks:
                _skip(run, sf, "no text to index")
                continue
            note = f"decoded as {doc.encoding} (not valid UTF-8)" if doc.encoding in ("cp1252", "latin-1") else ""
            meta = {"sha256": sf.sha256, "size": sf.size, "note": note, "myths": [myth_to_json(m) for m in myths]}
        meta = {**meta, "chunks": len(piece.chunks), "sentences": piece.sentence_count}
        run.files[sf.source] = meta
        run.report.files.append(FileReport(sf.source, status, meta.get("note", ""), meta["chunks"], meta["sentences"]))
        pieces.append(piece)
    return pieces


def _embed(run: _Run, pieces: list, progress, on_progress) -> list:
    """Embed the chunks, passages and sentences of pieces that have no vectors yet; loads the model only then."""
    todo = [p for p in pieces if p.chunk_vectors is None]
    chunks = [c for p in todo for c in p.chunks]
    if not chunks:
        return pieces
    from ingest.embed import embedding_texts, encode

    encoder = run.model()
    t = time.perf_counter()
    vectors = encode(encoder, embedding_texts(chunks), progress=progress, on_progress=on_progress)
    run.report.timings["encode_s"] = time.perf_counter() - t
    run.report.embedded = len(chunks)
    out, c_pos, p_pos, s_pos = [], 0, len(chunks), 2 * len(chunks)
    for p in pieces:
        if p.chunk_vectors is None:
            n_c, n_s = len(p.chunks), p.sentence_count
            cv, pv, sv = vectors[c_pos : c_pos + n_c], vectors[p_pos : p_pos + n_c], vectors[s_pos : s_pos + n_s]
            p = replace(p, chunk_vectors=cv, passage_vectors=pv, sentence_vectors=sv)
            c_pos, p_pos, s_pos = c_pos + n_c, p_pos + n_c, s_pos + n_s
        out.append(p)
    return out


def _publish(run: _Run, pieces: list) -> BuildReport:
    """Number the chunks, write a new version and switch the published pointer to it."""
    from core import dense as dense_module
    from core.artifacts import write_version
    from core.dense import IVF, DenseStore
    from ingest.onnx_export import place

    t = time.perf_counter()
    report = run.report
    chunks = [replace(c, id=i) for i, c in enumerate(c for p in pieces for c in p.chunks)]
    chunk_vectors = np.vstack([p.chunk_vectors for p in pieces]).astype(np.float32)
    sentence_vectors = np.vstack([p.sentence_vectors for p in pieces]).astype(np.float32)
    passage_vectors = np.vstack([p.passage_vectors for p in pieces]).astype(np.float32)
    dim = chunk_vectors.shape[1]
    dense = DenseStore.create(dim, len(chunk_vectors))  # exact below core.dense.HNSW_MIN_VECTORS, HNSW above
    dense.add(chunk_vectors)
    sentence_dense = None  # small indexes: the read path scores every sentence exactly with numpy
    if len(sentence_vectors) >= dense_module.SENTENCE_STORE_MIN_VECTORS:
        sentence_dense = DenseStore.create(dim, len(sentence_vectors), kind=IVF)
        sentence_dense.add(sentence_vectors)
    myths = [m for s in sorted(run.files) for m in run.files[s].get("myths", []) if not run.files[s].get("skip")]
    version, build_dir = layout.new_build_dir(run.index)
    manifest = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {"id": run.model_id, "path": str(run.model_dir), "dimension": int(dim), "sha256": run.hashes},
        "chunking": run.settings,
        "lexical": LEXICAL_SETTINGS,
        "dense": dense.describe(),
        "sentence_dense": sentence_dense.describe() if sentence_dense else {"kind": "numpy-exact", "count": len(sentence_vectors)},
        "corpus": str(run.corpus),
        "files": run.files,
        "myths": myths,
        "counts": {
            "documents": len(pieces),
            "chunks": len(chunks),
            "sentences": len(sentence_vectors),
            "myths": len({m["myth"] for m in myths if m["myth"] is not None}),
            "skipped": sum(1 for m in run.files.values() if m.get("skip")),
        },
    }
    t_onnx = time.perf_counter()
    manifest["query_encoder"] = place(build_dir, run.hashes, run.model_dir, run.model, run.previous)
    report.timings["query_encoder_s"] = time.perf_counter() - t_onnx
    qe = manifest["query_encoder"]
    report.query_encoder = "ONNX (onnxruntime)" if qe["backend"] == "onnx" else f"PyTorch ({qe['reason']})"
    docs = [p.doc for p in pieces]
    write_version(build_dir, manifest, docs, chunks, chunk_vectors, sentence_vectors, dense, passage_vectors, sentence_dense)
    layout.publish(run.index, version, build_dir)
    report.timings["write_publish_s"] = time.perf_counter() - t
    report.published = version
    report.myths = [myth_from_json(m) for m in myths]
    report.chunks, report.sentences = len(chunks), len(sentence_vectors)
    report.message = f"Published index version {version}."
    return _finish(report, run.t0)


def _finish(report: BuildReport, t0: float) -> BuildReport:
    report.seconds = time.perf_counter() - t0
    if report.exit_code == 0 and any(f.status == "skipped" for f in report.files):
        report.exit_code = 1
    return report
