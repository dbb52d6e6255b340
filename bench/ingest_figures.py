"""Ingestion figures on a corpus with the shipped models: a cold `python -m ingest` (empty export cache, as on a fresh
clone), the no-op re-run, and the pipeline against raw `encode` per model; what the default text limits cost.

Usage: python -m bench.ingest_figures [--corpus corpus] [--repeats 3] [--models minilm,mpnet]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path


def timings(report: str) -> dict[str, float]:
    """The ``Time:`` line of ingestion's report as {stage: seconds} (``total`` included)."""
    line = next((ln for ln in report.splitlines() if ln.startswith("Time:")), "")
    return {k: float(v) for k, v in re.findall(r"(\w+) ([0-9.]+) s", line)}


def recipe_texts(chunks, recipes) -> list[str]:
    """The texts one model embeds for ``chunks`` (its recipes, in ingest.embed's order)."""
    from core.artifacts import sentence_texts

    by = {"chunk": [c.embed_text for c in chunks], "passage": [c.passage_text for c in chunks], "sentence": sentence_texts(chunks)}
    return [t for kind in ("chunk", "passage", "sentence") if kind in recipes for t in by[kind]]


@contextlib.contextmanager
def _own_cache(path: Path):
    """Exports go to an empty cache of this run (as on a fresh clone), never to the shared one (index/ links it)."""
    saved = os.environ.get("MYTHQA_CACHE")
    os.environ["MYTHQA_CACHE"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MYTHQA_CACHE")
        else:
            os.environ["MYTHQA_CACHE"] = saved


def measure(corpus: Path, repeats: int = 3, models: tuple[str, ...] | None = None) -> dict:
    """Medians over ``repeats``; the pipeline and each model's raw encode are timed side by side in each repeat."""
    from bench.ingestion import cli_ingest
    from bench.report import machine
    from core import spec
    from core.artifacts import load_index
    from ingest.build import run_ingest

    keys = tuple(models or spec.DEFAULT_MODELS)
    out: dict = {"load_avg_1m_at_start": round(os.getloadavg()[0], 2), "models": ",".join(keys), "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp, _own_cache(Path(tmp) / "cache"):
        index = Path(tmp) / "index"
        cold_s, cold_out = cli_ingest(corpus, index)  # exports ONNX too
        out["cold_cli_full_ingest_s"] = cold_s
        out |= {f"cold_{k}_s": v for k, v in timings(cold_out).items()}
        out["noop_rerun_s"] = statistics.median(cli_ingest(corpus, index)[0] for _ in range(repeats))
        encoders = {}
        for key in keys:
            t0 = time.perf_counter()
            encoders[key] = spec.get(key).document_encoder(spec.get(key).model_dir())
            out[f"model_load_{key}_s"] = time.perf_counter() - t0
        pipe, raw, enc = [], {k: [] for k in keys}, {k: [] for k in keys}
        texts: dict[str, list[str]] = {}
        for i in range(repeats):
            t0 = time.perf_counter()
            report = run_ingest(corpus, Path(tmp) / f"full{i}", full=True, progress=False, models=keys, encoders=encoders)
            pipe.append(time.perf_counter() - t0)
            for j, key in enumerate(keys):  # the pipeline's own encode time per model (ingest.build names them so)
                enc[key].append(report.timings["encode_s" if j == 0 else f"encode_{key}_s"])
            chunks = load_index(Path(tmp) / f"full{i}").chunks
            for key in keys:
                texts[key] = recipe_texts(chunks, spec.get(key).recipes)
                t0 = time.perf_counter()
                encoders[key].encode(texts[key], batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
                raw[key].append(time.perf_counter() - t0)
    p = statistics.median(pipe)
    r = {k: statistics.median(v) for k, v in raw.items()}
    e = {k: statistics.median(v) for k, v in enc.items()}
    rate = {k: len(texts[k]) / e[k] for k in keys}  # as ingestion embeds (the raw baseline batches differently)
    out |= {"chunks": report.chunks, "pipeline_s": p, "raw_encode_all_models_s": sum(r.values())}
    for key in keys:
        out |= {f"texts_embedded_{key}": len(texts[key]), f"pipeline_encode_{key}_s": e[key], f"raw_encode_{key}_s": r[key]}
        out |= {f"texts_per_s_{key}": rate[key], f"raw_texts_per_s_{key}": len(texts[key]) / r[key]}
    out["ratio_pipeline_to_raw"] = sum(r.values()) / p
    # What ingestion's default limits (ingest.load.Limits) cost at the pipeline's rates, texts mixed as in the corpus.
    from ingest.load import Limits

    per_file = sum(len(t) for t in texts.values())
    seconds_per_text = sum(len(texts[k]) / rate[k] for k in keys) / per_file
    limits = Limits()
    out["shipped_files_per_max_file_texts"] = limits.max_file_texts / per_file
    out["max_file_texts_min_all_models"] = limits.max_file_texts * seconds_per_text / 60
    out["max_run_texts_min_all_models"] = limits.max_run_texts * seconds_per_text / 60
    for key in keys:
        out[f"max_run_texts_min_{key}_alone"] = limits.max_run_texts / rate[key] / 60
    return out | {"load_avg_1m_at_end": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_figures", description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default=None, help="comma-separated model keys (default: the shipped models)")
    args = ap.parse_args(argv)
    models = tuple(args.models.split(",")) if args.models else None
    for k, v in measure(args.corpus, args.repeats, models).items():
        print(f"{k:34} {v:.3f}" if isinstance(v, float) else f"{k:34} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
