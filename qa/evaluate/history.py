"""Quality across published versions: every evaluation run records its unseen figures per index version in
quality.jsonl beside the index folder; `python -m qa.evaluate.history` prints them, the evaluation page charts them.

Only unseen figures are kept: a version whose encoder learnt from a question is not credited with answering it.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from core import jsonl
from qa.evaluate.run import Report

LEDGER = "quality.jsonl"
FIGURES = ("top1", "top3", "sentence")


def ledger_path(index_dir: Path) -> Path:
    """Beside the index folder, never inside it (ingestion replaces what is inside), like the feedback database."""
    return Path(index_dir).resolve().parent / LEDGER


def unseen(reports: list[Report]) -> Report | None:
    """The fused report over the unseen questions: 'unseen' when some were in-sample, else 'all'; None if all were."""
    fused = {r.split: r for r in reports if r.method == "fused"}
    if "unseen" in fused:
        return fused["unseen"]
    return None if "in-sample" in fused else fused.get("all")


def record(index_dir: Path, version: str, files: list[Path], reports: list[Report]) -> dict | None:
    """Append this run's unseen figures for ``version``; None (nothing written) when no question was unseen."""
    r = unseen(reports)
    if r is None or not r.n_answerable:
        return None
    digest = hashlib.sha256(b"".join(Path(f).read_bytes() for f in files)).hexdigest()
    entry = {
        "version": version,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "set": "+".join(Path(f).name for f in files),
        "set_sha256": digest,
        "unseen_answerable": r.n_answerable,
        **{k: round(getattr(r, k), 3) for k in FIGURES},
        "refused": r.refused,
        "out_of_scope_refused": f"{r.abstained_out_of_scope}/{r.n_out_of_scope}",
    }
    jsonl.append(ledger_path(index_dir), entry)
    return entry


def entries(index_dir: Path) -> list[dict]:
    """Every recorded run, oldest first; a damaged line is skipped (the ledger only ever grows by whole lines)."""
    path = ledger_path(index_dir)
    if not path.exists():
        return []
    return [row for _, row in jsonl.read(path, log=True).rows if {"version", "set", *FIGURES} <= row.keys()]


def series(index_dir: Path, set_name: str) -> list[dict]:
    """The latest run on ``set_name`` for each version, in publishing order (version names start with the time)."""
    latest = {e["version"]: e for e in entries(index_dir) if e["set"] == set_name}
    return [latest[v] for v in sorted(latest)]


def table(rows: list[dict]) -> str:
    head = f"{'version':<32} {'unseen':>6} {'top-1':>6} {'top-3':>6} {'sent.':>6} {'refused':>7}  scored at"
    lines = [head] + [
        f"{e['version']:<32} {e['unseen_answerable']:>6} {e['top1']:>6.3f} {e['top3']:>6.3f} {e['sentence']:>6.3f}"
        f" {e['refused']:>7}  {e['at']}"
        for e in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qa.evaluate.history", description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, default=Path("index"), help="index folder (default: index/)")
    p.add_argument("--set", default=None, help="question set as recorded, e.g. questions.jsonl (default: every set)")
    args = p.parse_args(argv)
    sets = list(dict.fromkeys(e["set"] for e in entries(args.index)))
    if not sets:
        print(f"No evaluation recorded yet in {ledger_path(args.index)}; `python -m qa.evaluate` records one.")
        return 0
    for name in [args.set] if args.set else sets:
        print(f"{name} (unseen questions only)\n{table(series(args.index, name))}\n")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
