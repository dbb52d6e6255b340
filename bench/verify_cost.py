"""What checking an index on load costs at 1k, 10k and 100k chunks: full hash check, size check, whole load.

Builds synthetic corpora (myth-shaped paragraphs) with the deterministic hash embedder at the real models'
dimensions (384 and 768), so the artifacts have the sizes a MiniLM + mpnet index would have, without embedding.
Usage: python -m bench.verify_cost [--chunks 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

WORDS = "russia china military alliance west cooperation exercises arms sanctions nato beijing moscow policy".split()


def corpus(folder: Path, chunks: int, per_file: int = 500) -> None:
    """``chunks`` paragraphs of three sentences each, ``per_file`` paragraphs per file."""
    rng = random.Random(7)
    for f in range(0, chunks, per_file):
        paragraphs = [
            " ".join(" ".join(rng.choices(WORDS, k=12)).capitalize() + "." for _ in range(3)) for _ in range(min(per_file, chunks - f))
        ]
        (folder / f"text{f // per_file:04d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _time(fn, repeats: int = 3) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def measure(n: int) -> dict:
    from core import layout, model, spec
    from core.artifacts import load_index
    from core.spec import hash_spec
    from core.verify import verify_files
    from ingest.build import run_ingest
    from ingest.load import Limits

    keys = ("bench384", "bench768")
    for key, dim in zip(keys, (384, 768), strict=True):
        if key not in spec.REGISTRY:
            spec.register(hash_spec(key, dim))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        corpus(folder, n)
        t0 = time.perf_counter()
        unbounded = Limits(max_run_texts=None, max_file_texts=None)  # the bench builds past the editors' defaults on purpose
        report = run_ingest(folder, Path(tmp) / "index", models=keys, progress=False, limits=unbounded)
        build = time.perf_counter() - t0
        version = layout.resolve(Path(tmp) / "index")
        manifest = layout.read_manifest(version)

        def full():
            model._verified.clear()  # the per-process cache would make repeats free
            verify_files(version, manifest, full=True)

        return {
            "chunks": report.chunks,
            "megabytes": round(verify_files(version, manifest, full=False) / 1e6, 1),
            "build_s": round(build, 1),
            "size_check_ms": round(_time(lambda: verify_files(version, manifest, full=False)) * 1000, 1),
            "full_check_ms": round(_time(full) * 1000, 1),
            "load_ms": round(_time(lambda: (model._verified.clear(), load_index(Path(tmp) / "index"))) * 1000, 1),
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.verify_cost", description=__doc__.splitlines()[0])
    p.add_argument("--chunks", default="1000,10000,100000")
    args = p.parse_args(argv)
    print("chunks  MB  build_s  size_check_ms  full_check_ms  load_ms (load includes the check it chooses)")
    for n in (int(x) for x in args.chunks.split(",")):
        r = measure(n)
        cells = (r["chunks"], r["megabytes"], r["build_s"], r["size_check_ms"], r["full_check_ms"], r["load_ms"])
        print(" ".join(f"{c:>{w}}" for c, w in zip(cells, (6, 6, 7, 13, 14, 8), strict=True)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
