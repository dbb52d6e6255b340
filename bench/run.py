"""The whole benchmark: corpora of growing size, ingestion, dense stores, answering, encoders, then the report."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import dense_bench, encoders, ingestion, report
from core.spec import MINILM

ROOT = Path(__file__).resolve().parent.parent
# Builds this large take many minutes here (a real 1,000-chunk build: embedding ~3,700 texts, twice with the raw-encode
# baseline; a stand-in 100,000-chunk build: parsing and chunking): a cached one is reused unless --rebuild.
REUSE_FROM = 1000


@dataclass(frozen=True)
class Plan:
    real: tuple[int, ...]  # sizes built with the real model
    real_repeats: dict  # size -> full builds (median)
    standin: tuple[int, ...]  # sizes built with the stand-in encoder
    noop_size: int  # where the no-op and one-changed-file runs happen
    serve_rounds: dict  # size -> rounds of the question set for the stage split
    serve_questions: int | None
    encoder_rounds: int


FULL = Plan((100, 1000), {100: 3, 1000: 1}, (10_000, 100_000), 10_000, {100: 3, 1000: 2, 10_000: 2, 100_000: 1}, None, 2)
QUICK = Plan((100,), {100: 1}, (1000,), 1000, {100: 1, 1000: 1}, 20, 1)


def serve(index: Path, rounds: int, max_questions: int | None) -> dict:
    """Answering figures from a fresh process, so its resident memory is that of one serving process."""
    extra = ["--max-questions", str(max_questions)] if max_questions else []
    return _module_json("bench.serve", "--index", str(index), "--rounds", str(rounds), *extra)


def _module_json(module: str, *args: str) -> dict:
    """Run ``python -m module args`` in a fresh process and parse the JSON object it prints last."""
    cmd = [sys.executable, "-m", module, *args]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(work: Path, quick: bool = False, rebuild: bool = False, seed: int = 0) -> dict:
    """Run every measurement and return the results (see bench.report for how they are shown)."""
    from core.model import load_encoder

    plan = QUICK if quick else FULL
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "machine": report.machine(),
        "quick": quick,
        "seed": seed,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    model_dir = MINILM.model_dir()
    from bench import onnx_backend

    results["onnx"] = onnx_backend.versions()
    t0 = time.perf_counter()
    encoder = load_encoder(model_dir)
    results["model_load_s"] = time.perf_counter() - t0

    figs = []
    for size in plan.real:
        cached = _cached(work, size, rebuild, measured=True)
        if cached is None:
            _log(f"real full builds at {size} chunks")
            cached = ingestion.real_build(work, size, encoder, plan.real_repeats[size], seed)
            ingestion.save_figures(cached, work / f"figures-{size}.json")
        figs.append(cached)
    fresh = [f for f in figs if not f.extra.get("built_at")] or figs  # this run's load conditions, when it embedded anything
    texts_per_s = sum(f.texts for f in fresh) / sum(f.raw_encode_s for f in fresh)
    results["texts_per_s"] = texts_per_s
    largest = _vectors(figs[-1].index_dir)
    pool = np.vstack([largest["chunk"], largest["sentence"]])
    small = [s for s in plan.standin if s <= plan.noop_size]
    figs += [_standin(work, size, pool, texts_per_s, seed, rebuild=True) for size in small]  # the no-op size edits its index
    _log(f"no-op re-run and one changed file at {plan.noop_size} chunks")
    noop_fig = next(f for f in figs if f.chunks == plan.noop_size)
    results["incremental"] = {"chunks": plan.noop_size, **ingestion.noop_and_changed(noop_fig, encoder)}

    from bench.serve import questions as question_texts

    qtexts = question_texts()
    results["n_questions"] = len(qtexts)
    _log("encoder backends: PyTorch, dynamic int8, ONNX (when onnxruntime is installed)")
    results["encoders"] = _encoders(encoder, model_dir, qtexts[:40], figs[0], work, plan.encoder_rounds)
    _log("quality with the large-size dense store (HNSW) on the shipped corpus")
    results["quality_hnsw"] = _quality_hnsw(encoder, work)

    figs += [_standin(work, size, pool, texts_per_s, seed, rebuild) for size in plan.standin if size > plan.noop_size]
    results["ingestion"] = figs
    _log("dense stores: flat against HNSW")
    qvecs = encoder.encode(qtexts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False).astype(np.float32)
    results["dense"] = _dense(figs[1:], qvecs)
    results["answering"] = []
    for f in figs:
        _log(f"answering at {f.chunks} chunks (own process)")
        results["answering"].append(serve(f.index_dir, plan.serve_rounds.get(f.chunks, 1), plan.serve_questions))
    if not quick:
        _log(f"sentence candidate store at {figs[-1].chunks} chunks: IVF against HNSW (builds an HNSW store: minutes)")
        results["sentence_store"] = _module_json("bench.sentence_store", "--index", str(figs[-1].index_dir), "--hnsw")
    return results


def results_to_json(results: dict) -> dict:
    return results | {"ingestion": [ingestion.figures_to_json(f) for f in results["ingestion"]], "argv": sys.argv[1:]}


def results_from_json(d: dict) -> dict:
    return d | {"ingestion": [ingestion.figures_from_json(f) for f in d["ingestion"]]}


def _standin(work: Path, size: int, pool, texts_per_s: float, seed: int, rebuild: bool):
    """A stand-in build of ``size`` chunks: reused from an earlier run when allowed, else built (waiting for a concurrent build)."""
    from core.layout import writer_lock

    with writer_lock(work / f"index-{size}"):  # another bench run building this size right now: wait for it
        pass
    cached = _cached(work, size, rebuild, measured=False)
    if cached is not None:  # re-extrapolate its encode time at this run's rate
        cached.total_s += cached.texts / texts_per_s - cached.encode_s
        cached.encode_s = cached.texts / texts_per_s
        return cached
    _log(f"stand-in build at {size} chunks")
    fig = ingestion.standin_build(work, size, pool, texts_per_s, seed)
    ingestion.save_figures(fig, work / f"figures-{size}.json")
    return fig


def _model_folder(index_dir: Path, key: str = MINILM.key) -> Path:
    """The folder of one model's vectors and stores in the published version of ``index_dir``."""
    from core.layout import model_path, resolve

    return model_path(resolve(index_dir), key)


def _vectors(index_dir: Path, key: str = MINILM.key) -> dict[str, np.ndarray]:
    """One model's vectors ("chunk", "sentence", "passage") in the published version of ``index_dir``."""
    from core.artifacts import read_model_vectors

    return read_model_vectors(_model_folder(index_dir, key))


def _dense(figs: list, qvecs: np.ndarray) -> list[dict]:
    """Flat against HNSW on each index's chunk vectors, and on the sentence vectors up to 10,000 chunks."""
    from core.dense import HNSW, DenseStore
    from core.layout import CHUNK_FAISS

    out = []
    for f in figs:
        vectors = _vectors(f.index_dir)
        cv, sv = vectors["chunk"], vectors["sentence"]
        stored = DenseStore.load(_model_folder(f.index_dir) / CHUNK_FAISS)
        kind = "real" if f.measured else "stand-in"
        built = {"hnsw": stored} if stored.kind == HNSW else {}  # the index's own HNSW store: no second build
        out.append({"what": f"chunk vectors of the {f.chunks:,}-chunk index ({kind})", **dense_bench.compare(cv, qvecs, **built)})
        if f.chunks <= 10_000:
            out.append({"what": f"sentence vectors of the {f.chunks:,}-chunk index ({kind})", **dense_bench.compare(sv, qvecs)})
    return out


def _encoders(encoder, model_dir: Path, qtexts: list[str], fig, work: Path, rounds: int) -> dict:
    """Speed side by side in one run, then quality of each backend used for both ingestion and queries."""
    import os

    from bench import onnx_backend
    from core.artifacts import sentence_texts

    models, bulk = {"pytorch": encoder, "int8": encoders.int8_copy(encoder)}, {}
    if onnx_backend.available():
        path = onnx_backend.export(encoder, work / "minilm.onnx")
        models["onnx"] = onnx_backend.OnnxEncoder(encoder, path, threads=1)  # queries: one thread, as the engine runs torch
        bulk["onnx"] = onnx_backend.OnnxEncoder(encoder, path, threads=os.cpu_count() or 1)
    chunks = _chunks(fig)
    sample = ([c.embed_text for c in chunks] + sentence_texts(chunks))[::3][:200]  # chunks and sentences alike
    speed = encoders.speed(models, model_dir, qtexts, sample, rounds, bulk)
    quality = {name: encoders.quality(m, ROOT / "corpus", work / f"eval-{name}") for name, m in models.items()}
    base = quality["pytorch"]
    return {
        "speed": speed,
        "agreement": {name: encoders.agreement(encoder, m, sample) for name, m in models.items() if name != "pytorch"},
        "quality": quality,
        "adoptable": {
            name: encoders.adoptable(base, quality[name]) and speed[name]["query_p50_ms"] < speed["pytorch"]["query_p50_ms"]
            for name in models
            if name != "pytorch"
        },
    }


def _cached(work: Path, size: int, rebuild: bool, measured: bool):
    """A build of an earlier run to reuse (sizes from REUSE_FROM up, unless rebuilding), or None."""
    fig = ingestion.load_figures(work / f"figures-{size}.json")
    if rebuild or size < REUSE_FROM or fig is None or fig.measured != measured or not _current_format(fig.index_dir):
        return None
    _log(f"reusing the {'real' if measured else 'stand-in'} build at {size} chunks from {fig.extra.get('built_at')}")
    fig.disk_bytes = ingestion.disk_bytes(fig.index_dir)  # the published version now (later runs may add stores to it)
    return fig


def _current_format(index_dir: Path) -> bool:
    from core import layout

    try:
        return layout.read_manifest(layout.resolve(index_dir)).get("format_version") == layout.FORMAT_VERSION
    except (OSError, ValueError):
        return False


def _chunks(fig):
    from core.artifacts import read_chunks
    from core.layout import resolve

    return read_chunks(resolve(fig.index_dir))


def _quality_hnsw(encoder, work: Path) -> dict:
    """Evaluation on the shipped corpus with the stores the large sizes use forced on: HNSW chunks, IVF sentence candidates."""
    from core import dense

    saved = dense.HNSW_MIN_VECTORS, dense.SENTENCE_STORE_MIN_VECTORS
    dense.HNSW_MIN_VECTORS = dense.SENTENCE_STORE_MIN_VECTORS = 0
    try:
        return encoders.quality(encoder, ROOT / "corpus", work / "eval-hnsw")
    finally:
        dense.HNSW_MIN_VECTORS, dense.SENTENCE_STORE_MIN_VECTORS = saved
