"""`python -m evaluate`: score the read path on the question set; exit 1 below the given bars."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core import layout
from core.errors import MythQAError
from evaluate.run import SPLITS

BARS = (("min_top1", "top1"), ("min_top3", "top3"), ("min_sentence", "sentence"), ("min_abstain_recall", "abstain_recall"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate", description=__doc__)
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="question file, JSON lines; repeatable (default: eval/questions.jsonl, and eval/reviewed.jsonl when it exists)",
    )
    p.add_argument(
        "--split", default="all", help=f"split the bars and failures apply to: {', '.join(SPLITS)} or one in the file (default: all)"
    )
    p.add_argument("--compare", action="store_true", help="also run dense-only, BM25-only and RRF side by side")
    p.add_argument("--by-kind", action="store_true", help="also report each kind of question (paraphrase, factoid, …) over all splits")
    p.add_argument("--levers", action="store_true", help="also run fused with each answer-quality lever switched off in turn")
    p.add_argument("--json", action="store_true", help="print the reports as one JSON document")
    for flag, _ in BARS:
        p.add_argument("--" + flag.replace("_", "-"), type=float, metavar="X", help=f"exit 1 if fused {flag[4:]} < X on --split")
    p.add_argument("--max-refused", type=int, metavar="N", help="exit 1 if more than N answerable questions are refused on --split")
    args = p.parse_args(argv)
    return evaluate_cli(args)


def lever_reports(engine, questions, by_kind: bool) -> list:
    """Fused with each lever of the profile switched off in turn (method ``-<lever>``)."""
    from dataclasses import replace

    from evaluate.run import evaluate
    from qa.engine import Engine

    out = []
    for name, off in levers_off(engine).items():
        changed = Engine(engine.index, engine.encoders, replace(engine.settings, **off), engine.notices)
        out += [replace(r, method=f"-{name}") for r in evaluate(changed, questions, ("fused",), by_kind=by_kind)]
    return out


def sample_note(engine, questions) -> str:
    """One plain sentence on which figures are optimistic: questions the index's tuned encoder or answer model learnt from."""
    from evaluate.labels import sample_note as note
    from evaluate.run import trained_on

    return note(trained_on(engine), questions)


def _record(index_dir, version: str, files, reports) -> str:
    """Keep this run's unseen figures for the chart across versions (evaluate.history); say where, or why not."""
    from evaluate.history import ledger_path, record

    try:
        entry = record(index_dir, version, files, reports)
    except OSError as e:
        return f"Not recorded for the chart across versions: {e}."
    if entry is None:
        return "Not recorded for the chart across versions: no question had an answer to score."
    if entry["basis"] == "in-sample":
        return f"Recorded in {ledger_path(index_dir)} as in-sample (tuned on every question: optimistic; python -m evaluate.history)."
    return f"Unseen figures recorded in {ledger_path(index_dir)} (python -m evaluate.history)."


def levers_off(engine) -> dict[str, dict]:
    """Settings that switch each lever off; the second model only when the engine weights more than one."""
    st = engine.settings
    levers = {
        "metadata": {"metadata": False},
        "follow_ups": {"follow_ups": False},
        "near_domain": {"near_domain": False},
        "compose": {"extract_passages": 1},
        "end": {"keep_question_end": False},
        "answer_model": {"answer_model": {}},  # the learned decision after the rules (qa.decide.decide)
        "context": {"w_context": 0.0},  # follow-ups read near the previous answer
    }
    if len(engine.weights) > 1:
        first = next(iter(engine.weights))
        levers["2nd_model"] = {"model_weights": {first: 1.0}}
    return {k: v for k, v in levers.items() if any(getattr(st, f) != x for f, x in v.items())}


def evaluate_cli(args) -> int:
    from evaluate.report import as_json, failures, table
    from evaluate.run import default_sets, evaluate, load_questions, splits_of
    from qa.engine import Engine

    files = args.questions or default_sets()
    try:
        questions = [q for path in files for q in load_questions(path)]
        engine = Engine.load(args.index)
    except (MythQAError, OSError, ValueError) as e:  # MythQAError: every error the project raises on purpose
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.split not in splits_of(questions):
        print(f"error: no split {args.split!r} in {', '.join(map(str, files))}; it has {', '.join(splits_of(questions))}", file=sys.stderr)
        return 2
    methods = ("fused", "rrf", "dense", "bm25") if args.compare else ("fused",)
    reports = evaluate(engine, questions, methods, by_kind=args.by_kind)
    if args.levers:
        reports += lever_reports(engine, questions, args.by_kind)
    gate = next(r for r in reports if r.method == "fused" and r.split == args.split)
    kept = _record(args.index, engine.version, files, reports)
    if args.json:
        note = {"in_sample_note": sample_note(engine, questions)}
        print(json.dumps({"index_version": engine.version, **note, "reports": as_json(reports)}, ensure_ascii=False))
    else:
        print(f"Index {engine.version}; {len(questions)} questions from {', '.join(map(str, files))}")
        print(sample_note(engine, questions) + "\n")
        print(table(reports) + "\n")
        print(failures(gate))
        print(kept)
    broken = [
        f"{name} {getattr(gate, attr) or 0:.3f} < {getattr(args, name)}"
        for name, attr in BARS
        if getattr(args, name) is not None and (getattr(gate, attr) or 0) < getattr(args, name)
    ]
    if args.max_refused is not None and gate.refused > args.max_refused:
        broken.append(f"refused {gate.refused} > {args.max_refused}")
    if broken:
        print(f"FAILED on {args.split}: " + "; ".join(broken), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
