"""Number the chunks, write every model's vectors, stores and query encoder, then the manifest, and publish."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from core import dense as dense_module
from core import layout
from core.artifacts import write_model, write_version
from core.compat import model_problem
from core.dense import IVF, DenseStore
from core.lexical import LEXICAL_SETTINGS
from ingest.plan import BuildReport, myth_from_json


def _stores(vectors: dict) -> tuple[DenseStore | None, DenseStore | None]:
    chunk, sentence = vectors.get("chunk"), vectors["sentence"]
    dim = sentence.shape[1]
    dense = None  # a model without chunk vectors (core.spec.MPNET) has no chunk store
    if chunk is not None:
        dense = DenseStore.create(dim, len(chunk))  # exact below core.dense.HNSW_MIN_VECTORS, HNSW above
        dense.add(chunk)
    sentence_dense = None  # small indexes: the read path scores every sentence exactly with numpy
    if len(sentence) >= dense_module.SENTENCE_STORE_MIN_VECTORS:
        sentence_dense = DenseStore.create(dim, len(sentence), kind=IVF)
        sentence_dense.add(sentence)
    return dense, sentence_dense


def _previous_model(run, key: str):
    """(entry, folder) of ``key`` in the published version when its spec matches, for reusing its query encoder."""
    if run.previous is None:
        return None
    prev_dir, prev = run.previous
    entry = (prev.get("models") or {}).get(key)
    if not isinstance(entry, dict) or model_problem(key, entry):
        return None
    return entry, layout.model_path(prev_dir, key)


def publish_version(run, pieces: list) -> BuildReport:
    """Write a new version from ``pieces`` (every model embedded) and switch the published pointer to it."""
    from core.onnx_export import place

    t = time.perf_counter()
    report = run.report
    chunks = [replace(c, id=i) for i, c in enumerate(c for p in pieces for c in p.chunks)]
    version, build_dir = layout.new_build_dir(run.index)
    models, t_onnx = {}, 0.0
    for s in run.specs:
        vectors = {kind: np.vstack([p.vectors[s.key][kind] for p in pieces]).astype(np.float32) for kind in s.recipes}
        dense, sentence_dense = _stores(vectors)
        folder = layout.model_path(build_dir, s.key)
        write_model(folder, vectors, dense, sentence_dense)
        t0 = time.perf_counter()
        qe = place(folder, s, run.dirs[s.key], lambda key=s.key: run.encoder(key), _previous_model(run, s.key))
        t_onnx += time.perf_counter() - t0
        models[s.key] = {
            "spec": s.entry(),
            "query_encoder": qe,
            "dense": dense.describe() if dense else {"kind": "none"},
            "sentence_dense": sentence_dense.describe() if sentence_dense else {"kind": "numpy-exact", "count": len(vectors["sentence"])},
        }
    report.timings["query_encoder_s"] = t_onnx
    qe = models[run.specs[0].key]["query_encoder"]
    report.query_encoder = {"onnx": "ONNX (onnxruntime)", "torch": f"PyTorch ({qe.get('reason', '')})"}.get(qe["backend"], qe["backend"])
    myths = [m for src in sorted(run.files) for m in run.files[src].get("myths", []) if not run.files[src].get("skip")]
    n_sentences = sum(len(c.sentences) for c in chunks)
    manifest = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "models": models,
        "models_chosen": run.chosen,
        "profile": run.profile.to_json(),
        "origins": {k: o.to_json() for k, o in sorted(run.origins.items())},  # corpus/sources.toml as ingested
        "chunking": run.chunking,
        "lexical": LEXICAL_SETTINGS,
        "corpus": str(run.corpus),
        "files": run.files,
        "myths": myths,
        "counts": {
            "documents": len(pieces),
            "chunks": len(chunks),
            "sentences": n_sentences,
            "myths": len({m["myth"] for m in myths if m["myth"] is not None}),
            "skipped": sum(1 for m in run.files.values() if m.get("skip")),
        },
    }
    write_version(build_dir, manifest, [p.doc for p in pieces], chunks)
    layout.publish(run.index, version, build_dir)
    report.timings["write_publish_s"] = time.perf_counter() - t
    report.published = version
    report.myths = [myth_from_json(m) for m in myths]
    report.chunks, report.sentences = len(chunks), n_sentences
    report.models = [s.key for s in run.specs]
    report.message = f"Published index version {version}."
    return report


def derive(index_dir, replace: dict, edit=None) -> str:
    """Publish a version equal to the published one except the files in ``replace`` (path inside the version → the new
    file); every other file is shared by hard link (a published version never changes). The manifest keeps everything
    else, gets the new version id and the replaced files' hashes and sizes, then ``edit(manifest)`` says what they are
    (e.g. learn.tune: which query encoder). Returns the new version's name.
    """
    import os
    from pathlib import Path

    from core.model import sha256_file

    with layout.writer_lock(index_dir):
        src = layout.resolve(index_dir)
        manifest = layout.read_manifest(src)
        version, build = layout.new_build_dir(index_dir)
        shared = [p.relative_to(src).as_posix() for p in sorted(src.rglob("*")) if p.is_file() and p.name != layout.MANIFEST]
        for rel in dict.fromkeys([*shared, *replace]):
            (build / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(Path(replace.get(rel, src / rel)), build / rel)
        manifest["version"] = version
        for rel in replace:
            manifest["artifacts"][rel] = sha256_file(build / rel)
            manifest.setdefault("artifact_bytes", {})[rel] = (build / rel).stat().st_size
        if edit is not None:
            edit(manifest)
        layout.write_json(build / layout.MANIFEST, manifest)
        layout.publish(index_dir, version, build)
    return version
