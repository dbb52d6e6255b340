"""Machine facts, the headline table, docs/BENCHMARKS.md and the plot."""

from __future__ import annotations

import os
import platform
from pathlib import Path

STAGE_NAMES = {
    "query_encoding": "query enc.",
    "dense_search": "dense",
    "lexical_search": "lexical",
    "fusion": "fusion",
    "extraction": "extraction",
    "other": "other",
}


def machine() -> dict:
    """CPU, cores, RAM, load and library versions of this run."""
    import faiss
    import numpy
    import psutil
    import sentence_transformers
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import bm25s

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "versions": {
            "torch": torch.__version__,
            "sentence-transformers": sentence_transformers.__version__,
            "faiss-cpu": faiss.__version__,
            "bm25s": bm25s.__version__,
            "numpy": numpy.__version__,
        },
    }


def fmt_s(x: float) -> str:
    if x >= 3600:
        return f"{x / 3600:.1f} h"
    if x >= 100:
        return f"{x / 60:.1f} min"
    return f"{x:.1f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def ingestion_table(figs: list) -> str:
    rows = [
        "| chunks | sentences | texts embedded | encoder | full build | chunks/s | share in `model.encode` | pipeline / raw encode "
        "| read+parse+chunk | write+publish (BM25, FAISS) |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figs:
        mark = "" if f.measured else " †"
        ratio = f"{f.ratio_to_raw:.2f}" if f.ratio_to_raw is not None else "–"
        enc = f"real, median of {f.runs}" if f.measured else "stand-in; encode extrapolated"
        enc += f" (cached build of {f.extra['built_at']})" if f.extra.get("built_at") else ""
        rows.append(
            f"| {f.chunks:,} | {f.sentences:,} | {f.texts:,} | {enc} | {fmt_s(f.total_s)}{mark} | {f.chunks_per_s:.1f}{mark} | "
            f"{f.encode_share:.0%}{mark} | {ratio} | {fmt_s(f.parse_s)} | {fmt_s(f.write_s)} |"
        )
    return "\n".join(rows)


def answering_table(serves: list[dict]) -> str:
    stages = list(STAGE_NAMES)
    head = "| chunks | scored | total p50 / p95 ms | " + " | ".join(f"{STAGE_NAMES[s]} p50 / p95" for s in stages) + " |"
    rows = [head, "|---:|---|---:|" + "---:|" * len(stages)]
    for s in serves:
        lat = s["latency_ms"]
        cells = " | ".join(f"{lat['stages'][st]['p50']:.1f} / {lat['stages'][st]['p95']:.1f}" for st in stages)
        scored = "candidates (IVF sentence store + BM25)" if s.get("sentence_store") else "every chunk (exact)"
        rows.append(f"| {s['chunks']:,} | {scored} | **{lat['total']['p50']:.1f} / {lat['total']['p95']:.1f}** | {cells} |")
    return "\n".join(rows)


def memory_table(figs: list, serves: list[dict]) -> str:
    by = {s["chunks"]: s for s in serves}
    rows = [
        "| chunks | index on disk | per chunk | RSS: serving | RSS: after answering | index load |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figs:
        s = by.get(f.chunks)
        if not s:
            continue
        r = s["rss_mb"]
        rows.append(
            f"| {f.chunks:,} | {f.disk_bytes / 2**20:.1f} MB | {f.disk_bytes / f.chunks / 1024:.1f} KB | "
            f"{r['serving']:.0f} MB | {r['after_answering']:.0f} MB | {s['index_load_s']:.1f} s |"
        )
    return "\n".join(rows)


def concurrency_table(serves: list[dict]) -> str:
    threads = list(serves[0]["concurrency"]) if serves else []
    rows = [
        "| chunks | " + " | ".join(f"{t} asker{'s' if t != '1' else ''}: q/s, p95 ms" for t in threads) + " | identical to 1 thread |",
        "|---:|" + "---:|" * len(threads) + "---|",
    ]
    for s in serves:
        c = s["concurrency"]
        same = all(v["identical"] for v in c.values())
        rows.append(
            f"| {s['chunks']:,} | "
            + " | ".join(f"{c[t]['questions_per_s']:.1f}, {c[t]['p95_ms']:.0f}" for t in threads)
            + f" | {'yes' if same else 'NO'} |"
        )
    return "\n".join(rows)


def dense_table(dense: list[dict]) -> str:
    rows = [
        "| vectors | what | flat p50 / p95 ms | numpy full scan ms | HNSW build | HNSW efSearch: recall@10, p50 ms |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for d in dense:
        hn = "; ".join(f"{ef}: {v['recall_at_10']:.3f}, {v['p50_ms']:.3f}" for ef, v in d["hnsw"].items())
        rows.append(
            f"| {d['vectors']:,} | {d['what']} | {d['flat_p50_ms']:.2f} / {d['flat_p95_ms']:.2f} | {d['numpy_full_scan_ms']:.2f} | "
            f"{'in the build' if d['hnsw_build_s'] is None else fmt_s(d['hnsw_build_s'])} | {hn} |"
        )
    return "\n".join(rows)


def plot(figs: list, serves: list[dict], path: Path) -> None:
    """Ingestion time and answering latency against corpus size, log-log; extrapolated points hollow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for measured, style in ((True, "o"), (False, "o")):
        pts = [(f.chunks, f.total_s) for f in figs if f.measured == measured]
        if pts:
            a.plot(
                *zip(*pts, strict=True),
                style,
                mfc=None if measured else "none",
                color="C0",
                label="measured" if measured else "encode extrapolated",
            )
    a.plot([f.chunks for f in figs], [f.total_s for f in figs], "-", color="C0", alpha=0.4)
    a.plot(
        [f.chunks for f in figs], [f.total_s - f.encode_s for f in figs], "s-", color="C1", label="everything but model.encode (measured)"
    )
    a.set(xscale="log", yscale="log", xlabel="chunks", ylabel="full build (s)", title="Ingestion")
    a.legend(fontsize=8)
    xs = [s["chunks"] for s in serves]
    for key, style in (("p50", "o-"), ("p95", "s-")):
        b.plot(xs, [s["latency_ms"]["total"][key] for s in serves], style, label=f"answer {key}")
    b.plot(xs, [s["latency_ms"]["stages"]["query_encoding"]["p50"] for s in serves], "^--", label="query encoding p50")
    b.axhline(50, color="grey", ls=":", label="target p95 50 ms")
    b.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms per question", title="Answering (1 asker)")
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
