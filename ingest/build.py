"""Plan, build and publish an index: incremental, crash-safe, never damaging the published one."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from core import layout, spec
from core.compat import model_problem, shared_reusable
from core.lexical import LEXICAL_SETTINGS
from core.model import ModelError
from core.profile import Settings
from ingest.budget import Budget, owed, retry_limited
from ingest.load import Limits, Skipped, SourceFile, discover, read_document
from ingest.plan import BuildReport, FileReport, chunking_for, myth_from_json, myth_to_json, plan_files
from ingest.previous import damage, lost_tuning, published_dir, published_profile, read_published
from ingest.sources import read_origins, with_origin


def run_ingest(
    corpus: Path,
    index: Path,
    full: bool = False,
    dry_run: bool = False,
    models: tuple[str, ...] | None = None,
    profile: Settings | None = None,
    limits: Limits = Limits(),
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    encoders: Mapping[str, object] | None = None,
    on_wait: Callable[[layout.LockHolder, float], None] | None = None,
) -> BuildReport:
    """Bring ``index`` up to date with ``corpus``.

    Args:
        corpus: folder of .txt/.md/.pdf/.html files, read recursively.
        index: index folder; the published version is replaced atomically.
        full: rebuild everything instead of reusing unchanged files' chunks and vectors.
        dry_run: report what would change; write nothing.
        models: keys of registered model specs (core.spec) to embed with, the first also chunking; default:
            the published index's models that are known here, else core.spec.DEFAULT_MODELS.
        profile: the settings profile to record (default: the published one, else core.profile.DEFAULT).
        limits: size, time and memory bounds for reading files.
        progress: show a progress bar while embedding.
        on_progress: callback (done, total) while embedding.
        encoders: already loaded document encoders by model key (tests and the app reuse theirs).
        on_wait: called with (lock holder, seconds waited) about once a second while another run holds the index.

    Returns:
        A BuildReport; ``exit_code`` is 0 (all ingested), 1 (some skipped) or 2 (nothing usable).

    Raises:
        ModelError: a model is unknown here, missing or altered.
    """
    t0 = time.perf_counter()
    report = BuildReport(dry_run=dry_run)
    corpus, index = Path(corpus), Path(index)
    if not corpus.is_dir():
        report.message = f"Corpus folder {corpus}/ does not exist: create it and put .txt, .md, .pdf or .html files in it."
        report.exit_code = 2
        return report
    with layout.writer_lock(index, on_wait=on_wait):
        if not dry_run:
            layout.cleanup(index)  # what killed runs left behind; under the lock, so no live run is writing it
        prev_dir = published_dir(index)
        prev = read_published(prev_dir)
        chosen = bool(models) or bool(prev and prev.get("models_chosen"))
        specs, dirs = _models(models or _default_models(prev), strict=chosen, report=report)  # verified before any work
        profile = profile or published_profile(prev)
        chunking = chunking_for(specs, profile)
        damaged = damage(index, prev_dir, prev, report)  # said in every run, a dry run too
        shared = prev is not None and not full and not damaged and shared_reusable(prev, chunking, LEXICAL_SETTINGS)
        reuse = {s.key for s in specs if shared and s.key in prev["models"] and not model_problem(s.key, prev["models"][s.key])}
        prev_files = prev["files"] if shared else {}
        found = discover(corpus, limits)
        origins, problems = read_origins(corpus, {f.source for f in found if not f.skip})
        report.warnings += problems
        plan = retry_limited(plan_files(found, prev_files), prev_files, limits)
        removed = sorted(set(prev_files) - {f.source for f in found})
        report.files += [FileReport(s, "removed") for s in removed]
        same_models = shared and list(prev["models"]) == [s.key for s in specs] and reuse == set(prev["models"])
        changed = (
            any(st != "unchanged" for st, _ in plan.values())
            or removed
            or not same_models
            or prev.get("profile") != profile.to_json()
            or prev.get("origins", {}) != {k: o.to_json() for k, o in origins.items()}
        )
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
                "" if shared or prev is None else " A full rebuild is needed (chunking, lexical settings or format changed)."
            )
            return _finish(report, t0)
        budget = Budget(limits, specs, owed(plan, prev_files, specs, reuse))
        if budget.overdrawn():
            report.message = f"Nothing was embedded: {budget.overdrawn()}. The previous index is unchanged."
            report.exit_code = 2
            return _finish(report, t0)
        run = _Run(report, t0, corpus, index, specs, dirs, profile, chunking, limits, encoders=dict(encoders or {}), chosen=chosen)
        run.budget = budget
        run.origins = origins
        run.previous = (prev_dir, prev) if prev_dir is not None and prev is not None else None
        if damaged and prev_dir is not None:
            layout.forget_version(index, prev_dir.name)  # a damaged version is not one of the versions kept
        done = _build(run, found, plan, prev_dir if shared else None, reuse, prev_files, progress, on_progress)
        if damaged and done.exit_code < 2:
            done.warnings += lost_tuning(prev, layout.read_manifest(layout.resolve(index)))
        return done


def _default_models(prev: dict | None) -> tuple[str, ...]:
    """The models of a run without --models: those an editor chose for the published index, else the program's
    defaults plus any other model the published index holds that is known here (a plain re-run never drops one)."""
    old = tuple(k for k in (prev or {}).get("models", {}) if k in spec.REGISTRY) if isinstance((prev or {}).get("models"), dict) else ()
    if prev and prev.get("models_chosen"):
        return old or spec.DEFAULT_MODELS
    return tuple(dict.fromkeys(spec.DEFAULT_MODELS + old))


def _models(keys, strict: bool, report: BuildReport) -> tuple[list, dict]:
    """Specs and verified directories of ``keys``. A model asked for by name must be usable; a default one that is
    not installed here is left out with a warning, as long as one remains."""
    specs, dirs = [], {}
    for key in keys:
        try:
            s = spec.get(key)
            dirs[key] = s.model_dir()
            specs.append(s)
        except ModelError as e:
            if strict or (not specs and key == keys[-1]):
                raise
            report.warnings.append(f"model “{key}” left out: {e}")
    return specs, dirs


@dataclass
class _Run:
    """State shared by the stages of one build."""

    report: BuildReport
    t0: float
    corpus: Path
    index: Path
    specs: list
    dirs: dict  # model key -> verified model directory
    profile: Settings
    chunking: dict
    limits: Limits
    files: dict = field(default_factory=dict)  # source -> manifest entry
    encoders: dict = field(default_factory=dict)  # model key -> document encoder, loaded only when something needs it
    chosen: bool = False  # the models were named with --models (kept by later plain runs)
    previous: tuple | None = None  # (dir, manifest) of the published version
    origins: dict = field(default_factory=dict)  # source -> ingest.sources.Origin
    budget: Budget | None = None  # texts this run may still embed

    def encoder(self, key: str):
        if key not in self.encoders:
            t = time.perf_counter()
            self.encoders[key] = spec.get(key).document_encoder(self.dirs[key])
            self.report.timings[f"model_load_{key}_s" if key != self.specs[0].key else "model_load_s"] = time.perf_counter() - t
            self.report.model_loaded = True
        return self.encoders[key]


def _build(run: _Run, found, plan, prev_dir, reuse, prev_files, progress, on_progress) -> BuildReport:
    from ingest.previous import Previous

    t = time.perf_counter()
    pieces = _collect(run, found, plan, Previous(prev_dir, reuse), prev_files)
    run.report.timings["read_parse_chunk_s"] = time.perf_counter() - t
    if not pieces:
        run.report.message = "Nothing usable was found in the corpus; the previous index (if any) is unchanged."
        run.report.exit_code = 2
        return _finish(run.report, run.t0)
    for s in run.specs:
        pieces = _embed(run, s.key, pieces, progress, on_progress)
    from ingest.publish import publish_version

    return _finish(publish_version(run, pieces), run.t0)


def _skip(run: _Run, sf: SourceFile, reason: str, limits: dict | None = None) -> None:
    """Record a skipped file; ``limits`` (the limits that caused it) lets a later run with other limits read it again."""
    run.report.files.append(FileReport(sf.source, "skipped", reason))
    run.files[sf.source] = {"sha256": sf.sha256, "size": sf.size, "skip": reason} | ({"limits": limits} if limits else {})


def _collect(run: _Run, found, plan, previous, prev_files) -> list:
    """Reuse unchanged files' pieces; read, structure and chunk the rest."""
    from ingest.annotate import annotate
    from ingest.chunk import ChunkSettings, chunk_document
    from ingest.previous import Piece
    from ingest.structure import parse

    first = run.specs[0]
    tokenizer = first.tokenizer(run.dirs[first.key])
    settings = ChunkSettings(max_tokens=run.chunking["max_tokens"])
    pieces = []
    for sf in found:
        status, reason = plan[sf.source]
        old = prev_files.get(sf.source, {})
        if status == "skipped" or (status == "unchanged" and old.get("skip")):
            _skip(run, sf, reason or old["skip"], old.get("limits") if status == "unchanged" else None)
            continue
        piece = previous.take(sf.source) if status == "unchanged" else None
        if piece is not None:
            meta = old
        else:
            doc = read_document(sf, run.limits)
            if isinstance(doc, Skipped):
                _skip(run, sf, doc.reason, doc.limits)
                continue
            blocks, myths = parse(doc)
            refused = run.budget.check_blocks(sf.source, len(blocks))  # before chunking: that alone takes minutes then
            if not refused:
                piece = Piece(doc, annotate(chunk_document(doc, blocks, tokenizer, settings)))
                if not piece.chunks:
                    _skip(run, sf, "no text to index")
                    continue
                refused = run.budget.admit(sf.source, len(piece.chunks), piece.sentence_count)
            if refused:
                _skip(run, sf, refused.reason, refused.limits)
                continue
            note = f"decoded as {doc.encoding} (not valid UTF-8)" if doc.encoding in ("cp1252", "latin-1") else ""
            meta = {"sha256": sf.sha256, "size": sf.size, "note": note, "myths": [myth_to_json(m) for m in myths]}
        # Applied on every run, reused pieces too: an edit to sources.toml alone must reach the index.
        piece = replace(piece, chunks=with_origin(piece.chunks, run.origins.get(sf.source), piece.doc.url))
        meta = {**meta, "chunks": len(piece.chunks), "sentences": piece.sentence_count}
        run.files[sf.source] = meta
        run.report.files.append(FileReport(sf.source, status, meta.get("note", ""), meta["chunks"], meta["sentences"]))
        pieces.append(piece)
    if run.budget.deferred_warning():
        run.report.warnings.append(run.budget.deferred_warning())
    return pieces


def _embed(run: _Run, key: str, pieces: list, progress, on_progress) -> list:
    """Embed, with model ``key``, the pieces that have no vectors of it yet; loads the model only then."""
    todo = [p for p in pieces if key not in p.vectors]
    chunks = [c for p in todo for c in p.chunks]
    if not chunks:
        return pieces
    from ingest.embed import embed_chunks

    encoder = run.encoder(key)
    t = time.perf_counter()
    vectors = embed_chunks(encoder, chunks, tuple(spec.get(key).recipes), progress=progress, on_progress=on_progress)
    first = key == run.specs[0].key
    run.report.timings["encode_s" if first else f"encode_{key}_s"] = time.perf_counter() - t
    run.report.embedded = max(run.report.embedded, len(chunks))
    out, c_pos, s_pos = [], 0, 0
    for p in pieces:
        if key not in p.vectors:
            n_c, n_s = len(p.chunks), p.sentence_count
            mine = {k: v[s_pos : s_pos + n_s] if k == "sentence" else v[c_pos : c_pos + n_c] for k, v in vectors.items()}
            p = replace(p, vectors={**p.vectors, key: mine})
            c_pos, s_pos = c_pos + n_c, s_pos + n_s
        out.append(p)
    return out


def _finish(report: BuildReport, t0: float) -> BuildReport:
    report.seconds = time.perf_counter() - t0
    if report.exit_code == 0 and any(f.status == "skipped" for f in report.files):
        report.exit_code = 1
    return report


__all__ = ["run_ingest", "ModelError"]
