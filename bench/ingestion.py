"""Ingestion figures per corpus size: real full builds where the model can embed them in time, the stand-in above."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.corpus import generate
from bench.standin import MixtureEncoder
from core.spec import MINILM

ROOT = Path(__file__).resolve().parent.parent


def cli_ingest(corpus: Path, index: Path, check: bool = False) -> tuple[float, str]:
    """Run ``python -m ingest`` as a user would; return (wall seconds, its report)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ingest", "--corpus", str(corpus), "--index", str(index), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
    )
    return time.perf_counter() - t0, proc.stdout


@dataclass
class IngestFigures:
    """One size's ingestion figures; ``measured`` False means encode time is extrapolated from ``texts_per_s``."""

    chunks: int
    sentences: int
    texts: int
    measured: bool
    runs: int
    total_s: float  # full build, model already loaded (measured, or extrapolated when not ``measured``)
    parse_s: float
    encode_s: float
    write_s: float
    raw_encode_s: float | None = None  # model.encode on the same texts, side by side (real sizes only)
    standin_encode_s: float | None = None
    disk_bytes: int = 0
    index_dir: Path | None = None
    corpus_dir: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.total_s

    @property
    def encode_share(self) -> float:
        return self.encode_s / self.total_s

    @property
    def ratio_to_raw(self) -> float | None:
        """Pipeline chunks/s divided by raw ``model.encode`` chunks/s on the same texts (target >= 0.9)."""
        return None if self.raw_encode_s is None else self.raw_encode_s / self.total_s


def texts_of(index_dir: Path) -> list[str]:
    """The exact texts the pipeline embedded: each chunk's context + text, its section + text, then every bare sentence."""
    from core.artifacts import read_chunks, sentence_texts
    from core.layout import resolve
    from core.types import Chunk

    chunks = read_chunks(resolve(index_dir))
    passages = [c.passage_text for c in chunks] if hasattr(Chunk, "passage_text") else []  # index format 2 on
    return [c.embed_text for c in chunks] + passages + sentence_texts(chunks)


def disk_bytes(index_dir: Path) -> int:
    """Bytes of the published version, without the ONNX query encoder (a fixed ~86 MB hard link shared by all versions)."""
    from core.layout import QUERY_DATA, QUERY_ONNX, resolve

    return sum(p.stat().st_size for p in resolve(index_dir).rglob("*") if p.is_file() and p.name not in (QUERY_ONNX, QUERY_DATA))


def real_build(work: Path, size: int, encoder, repeats: int, seed: int = 0) -> IngestFigures:
    """Full builds with the real model (loaded once, outside the timings), each next to raw encode of the same texts."""
    from ingest.build import run_ingest

    corpus = generate(work / f"corpus-{size}", size, seed)
    index = work / f"index-{size}"
    runs, raws = [], []
    texts = None
    for i in range(repeats):
        if i % 2:  # alternate which goes first, so a load swing during the pair does not favour one side
            raws.append(_raw_encode(encoder, texts))
        runs.append(run_ingest(corpus, index, full=True, progress=False, models=(MINILM.key,), encoders={MINILM.key: encoder}))
        texts = texts_of(index)
        if not i % 2:
            raws.append(_raw_encode(encoder, texts))
    med = statistics.median
    return IngestFigures(
        chunks=runs[0].chunks,  # every run builds the same corpus
        sentences=runs[0].sentences,
        texts=len(texts),
        measured=True,
        runs=repeats,
        total_s=med(r.seconds for r in runs),
        parse_s=med(r.timings["read_parse_chunk_s"] for r in runs),
        encode_s=med(r.timings["encode_s"] for r in runs),
        write_s=med(r.timings["write_publish_s"] for r in runs),
        raw_encode_s=med(raws),
        disk_bytes=disk_bytes(index),
        index_dir=index,
        corpus_dir=corpus,
    )


def _raw_encode(encoder, texts: list[str]) -> float:
    t0 = time.perf_counter()
    encoder.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return time.perf_counter() - t0


def standin_build(work: Path, size: int, pool: np.ndarray, texts_per_s: float, seed: int = 0) -> IngestFigures:
    """A full build through the real pipeline with the stand-in encoder; encode time extrapolated at ``texts_per_s``."""
    from ingest.build import run_ingest
    from ingest.load import Limits

    corpus = generate(work / f"corpus-{size}", size, seed)
    index = work / f"index-{size}"
    unbounded = Limits(max_run_texts=None, max_file_texts=None)  # the stand-in builds past the editors' defaults on purpose
    encoders = {MINILM.key: MixtureEncoder(pool)}
    report = run_ingest(corpus, index, full=True, progress=False, models=(MINILM.key,), encoders=encoders, limits=unbounded)
    n_texts = len(texts_of(index))
    standin_s = report.timings["encode_s"]
    encode_s = n_texts / texts_per_s
    return IngestFigures(
        chunks=report.chunks,
        sentences=report.sentences,
        texts=n_texts,
        measured=False,
        runs=1,
        total_s=report.seconds - standin_s + encode_s,
        parse_s=report.timings["read_parse_chunk_s"],
        encode_s=encode_s,
        write_s=report.timings["write_publish_s"],
        standin_encode_s=standin_s,
        disk_bytes=disk_bytes(index),
        index_dir=index,
        corpus_dir=corpus,
    )


def noop_and_changed(fig: IngestFigures, encoder, repeats: int = 3) -> dict:
    """No-op re-runs (in process and as the CLI) and one edited file re-embedded with the real model."""
    from ingest.build import run_ingest

    corpus, index = fig.corpus_dir, fig.index_dir
    inproc = []
    for _ in range(repeats):
        report = run_ingest(corpus, index, progress=False)
        inproc.append(report.seconds)
        if report.embedded or report.model_loaded:
            raise RuntimeError(f"a no-op re-run of {index} embedded {report.embedded} chunks: incremental ingestion is broken")
    cli = []
    for _ in range(repeats):
        cli.append(cli_ingest(corpus, index, check=True)[0])
    victim = sorted(corpus.rglob("myth-1*.txt"))[0]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text.replace(" the West", " the western allies", 1), encoding="utf-8")
    try:
        report = run_ingest(corpus, index, progress=False, encoders={MINILM.key: encoder})
    finally:
        victim.write_text(text, encoding="utf-8")
    changed = next(f for f in report.files if f.status == "changed")
    return {
        "noop_inprocess_s": statistics.median(inproc),
        "noop_cli_s": statistics.median(cli),
        "changed_file": changed.source,
        "changed_file_chunks": changed.chunks,
        "changed_embedded_chunks": report.embedded,
        "changed_s": report.seconds,
        "changed_encode_s": report.timings.get("encode_s", 0.0),
    }


def figures_to_json(fig: IngestFigures) -> dict:
    from dataclasses import asdict

    return asdict(fig) | {"index_dir": str(fig.index_dir), "corpus_dir": str(fig.corpus_dir)}


def figures_from_json(d: dict) -> IngestFigures:
    return IngestFigures(**(d | {"index_dir": Path(d["index_dir"]), "corpus_dir": Path(d["corpus_dir"])}))


def save_figures(fig: IngestFigures, path: Path) -> None:
    """Keep a build's figures next to its index, so a later run can reuse a build that takes many minutes."""
    import json

    d = figures_to_json(fig) | {"built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    Path(path).write_text(json.dumps(d, indent=1))


def load_figures(path: Path) -> IngestFigures | None:
    import json

    if not Path(path).exists():
        return None
    d = json.loads(Path(path).read_text())
    built_at = d.pop("built_at", "")
    fig = figures_from_json(d)
    fig.extra["built_at"] = built_at
    return fig
