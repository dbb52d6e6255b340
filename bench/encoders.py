"""CPU encoder backends side by side: the PyTorch model against its dynamic int8 quantisation (no download needed)."""

from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path

import numpy as np

METRICS = ("top1", "top3", "mrr", "sentence", "abstain_precision", "abstain_recall")


def int8_copy(model):
    """A copy of a SentenceTransformer whose Linear layers run as dynamic int8 (torch.ao.quantization)."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


def speed(
    models: dict, model_dir: Path, questions: list[str], texts: list[str], rounds: int = 3, bulk_models: dict | None = None, spec=None
) -> dict:
    """Query latency (uncached engine path, 1 thread) and bulk texts/s, interleaved so load swings hit every backend alike.

    Each question is encoded by every backend in turn; ``bulk_models`` replaces a model for the bulk
    figure (e.g. an ONNX session with all cores instead of one). ``spec`` (core.spec.ModelSpec, default
    MiniLM) is the model every backend runs: its window and tokenizer cut the questions.
    """
    import torch

    from core.spec import MINILM
    from qa.encode import QueryEncoder

    spec = spec or MINILM
    bulk_models = {**models, **(bulk_models or {})}
    query = {name: QueryEncoder(m, spec, model_dir, cache_size=0) for name, m in models.items()}
    threads = torch.get_num_threads()
    q_ms = {name: [] for name in models}
    bulk = {name: [] for name in models}
    for _ in range(rounds):
        torch.set_num_threads(1)
        for q in questions:
            for name, enc in query.items():
                t0 = time.perf_counter()
                enc._embed(q)  # the uncached path the engine takes for a new question
                q_ms[name].append((time.perf_counter() - t0) * 1000)
        torch.set_num_threads(threads)
        for name, model in bulk_models.items():
            t0 = time.perf_counter()
            model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            bulk[name].append(len(texts) / (time.perf_counter() - t0))
    return {
        name: {
            "query_p50_ms": round(statistics.median(q_ms[name]), 2),
            "query_p95_ms": round(float(np.percentile(q_ms[name], 95)), 2),
            "bulk_texts_per_s": round(statistics.median(bulk[name]), 1),
        }
        for name in models
    }


def agreement(reference, other, texts: list[str]) -> float:
    """Mean cosine between the two models' vectors for the same texts."""
    a = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    b = other.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return float(np.mean(np.sum(a * b, axis=1)))


def quality(model, corpus: Path, index: Path, key: str = "minilm") -> dict:
    """Evaluation metrics (all questions, fused method) with ``model`` used for both ingestion and queries.

    ``model`` stands in for the registered model ``key`` (a backend of the same weights), the index's only model.
    """
    from evaluate.run import evaluate, load_questions
    from ingest.build import run_ingest
    from qa.engine import Engine

    report = run_ingest(corpus, index, full=True, progress=False, models=(key,), encoders={key: model})
    if report.exit_code:
        raise RuntimeError(f"ingesting {corpus} failed: {report.message}")
    # Queries through this same model, not the index's ONNX export; keep torch threads for the next bulk encode.
    engine = Engine.load(index, threads=None, backend="torch", encoders={key: model})
    rep = next(r for r in evaluate(engine, load_questions(), ("fused",)) if r.split == "all")
    return {m: getattr(rep, m) for m in METRICS} | {"latency_p50_ms": rep.latency_p50_ms, "latency_p95_ms": rep.latency_p95_ms}


def adoptable(fp32: dict, candidate: dict, tolerance: float = 0.01) -> bool:
    """True when every metric stays within ``tolerance`` of the PyTorch model's (the issue's rule)."""
    return all(abs((candidate[m] or 0.0) - (fp32[m] or 0.0)) <= tolerance for m in METRICS)
