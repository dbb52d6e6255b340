"""Ingestion figures on a corpus: full build (and model-load share), no-op re-run, pipeline vs raw encode.

Usage: python -m bench.ingest_figures [--corpus corpus] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def measure(corpus: Path, repeats: int = 3) -> dict:
    """Return medians over ``repeats`` runs; pipeline and raw encode are timed side by side in each run."""
    from bench.ingestion import cli_ingest
    from core.model import load_encoder
    from core.spec import MINILM
    from ingest.build import run_ingest
    from ingest.embed import embedding_texts

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        cold_s, cold_out = cli_ingest(corpus, index)
        load_line = next((ln for ln in cold_out.splitlines() if ln.startswith("Time:")), "")
        noop = [cli_ingest(corpus, index)[0] for _ in range(repeats)]
        model_dir = MINILM.model_dir()
        t0 = time.perf_counter()
        encoder = load_encoder(model_dir)
        load_s = time.perf_counter() - t0
        pipe, raw, n_chunks, n_texts = [], [], 0, 0
        for i in range(repeats):
            t0 = time.perf_counter()
            report = run_ingest(
                corpus, Path(tmp) / f"full{i}", full=True, progress=False, models=(MINILM.key,), encoders={MINILM.key: encoder}
            )
            pipe.append(time.perf_counter() - t0)
            from core.artifacts import load_index

            chunks = load_index(Path(tmp) / f"full{i}").chunks
            texts = embedding_texts(chunks)
            t0 = time.perf_counter()
            encoder.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            raw.append(time.perf_counter() - t0)
            n_chunks, n_texts = report.chunks, len(texts)
    p, r = statistics.median(pipe), statistics.median(raw)
    return {
        "cold_cli_full_ingest_s": cold_s,
        "cold_cli_timings": load_line,
        "model_load_s": load_s,
        "noop_rerun_s": statistics.median(noop),
        "chunks": n_chunks,
        "texts_embedded": n_texts,
        "pipeline_s": p,
        "raw_encode_s": r,
        "pipeline_chunks_per_s": n_chunks / p,
        "raw_encode_chunks_per_s": n_chunks / r,
        "ratio_pipeline_to_raw": r / p,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    for k, v in measure(args.corpus, args.repeats).items():
        print(f"{k:28} {v:.3f}" if isinstance(v, float) else f"{k:28} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
