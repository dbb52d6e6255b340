"""Quality across published versions: every evaluation run (`python -m evaluate`, the evaluation page) records its
figures per index version in quality.jsonl beside the index folder; `python -m evaluate.history` prints them, the
evaluation page charts them.

A run's figures are those of the questions the version never learnt from (``basis`` "unseen") when it has any; a run
on questions it was all tuned on is kept too, marked ``basis`` "in-sample", so every run shows, as optimistic.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from core import jsonl, layout
from evaluate.run import Report

LEDGER = "quality.jsonl"
FIGURES = ("top1", "top3", "sentence")


def ledger_path(index_dir: Path) -> Path:
    """Beside the index folder, never inside it (ingestion replaces what is inside), like the feedback database."""
    return Path(index_dir).resolve().parent / LEDGER


def figures(reports: list[Report]) -> tuple[Report | None, str]:
    """The fused report to keep and its basis: the unseen questions' when some were in-sample, else the whole run's
    ("unseen" when no question was in-sample, "in-sample" when every one was)."""
    fused = {r.split: r for r in reports if r.method == "fused"}
    if "unseen" in fused and fused["unseen"].n_answerable:
        return fused["unseen"], "unseen"
    # Unseen questions that are all unanswerable (a reviewed refusal) give no hit rate: keep the whole run, optimistic.
    return fused.get("all"), "in-sample" if "in-sample" in fused else "unseen"


def record(index_dir: Path, version: str, files: list[Path], reports: list[Report], split: str = "all") -> dict | None:
    """Append this run's figures for ``version`` (``split``: the one split run, or "all"); None (nothing written) when
    the run had no answerable question."""
    r, basis = figures(reports)
    if r is None or not r.n_answerable:
        return None
    digest = hashlib.sha256(b"".join(Path(f).read_bytes() for f in files)).hexdigest()
    entry = {
        "version": version,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "set": "+".join(Path(f).name for f in files),
        "split": split,
        "basis": basis,
        "set_sha256": digest,
        "answerable": r.n_answerable,
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
    rows = [row for _, row in jsonl.read(path, log=True).rows if {"version", "set", *FIGURES} <= row.keys()]
    # Entries written before runs of one split and in-sample runs were kept: the whole set, unseen questions only.
    return [{"split": "all", "basis": "unseen", "answerable": r.get("unseen_answerable", 0)} | r for r in rows]


def series(index_dir: Path, set_name: str, split: str = "all") -> list[dict]:
    """The latest run on ``set_name`` (and ``split``) for each version, in publishing order (names start with the time)."""
    latest = {e["version"]: e for e in entries(index_dir) if e["set"] == set_name and e["split"] == split}
    return [latest[v] for v in sorted(latest)]


def table(rows: list[dict]) -> str:
    head = f"{'version':<32} {'questions':<9} {'n':>4} {'top-1':>6} {'top-3':>6} {'sent.':>6} {'refused':>7}  scored at"
    lines = [head] + [
        f"{e['version']:<32} {e['basis']:<9} {e['answerable']:>4} {e['top1']:>6.3f} {e['top3']:>6.3f} {e['sentence']:>6.3f}"
        f" {e['refused']:>7}  {e['at']}"
        for e in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate.history", description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--set", default=None, help="question set as recorded, e.g. questions.jsonl (default: every set)")
    args = p.parse_args(argv)
    sets = list(dict.fromkeys(e["set"] for e in entries(args.index)))
    if not sets:
        print(f"No evaluation recorded yet in {ledger_path(args.index)}; `python -m evaluate` records one.")
        return 0
    print("questions: “unseen” counts only questions the version never learnt from; “in-sample” runs were all tuned on: optimistic.\n")
    for name in [args.set] if args.set else sets:
        for split in dict.fromkeys(e["split"] for e in entries(args.index) if e["set"] == name):
            print(f"{name}, {split}\n{table(series(args.index, name, split))}\n")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
