"""Choose ``fit_relevance`` (qa.decide.refusal) on chosen splits: how close to the question a sentence holding the value
asked for ("when…?" a date, "how many…?" a count, "who is X's Y?" that person) must be, relative to the closest sentence.

The rule, as for abstention: the check may refuse at most one answerable question in 50 of all answerable questions of
the splits; among the ratios that do, the one refusing the most out-of-scope questions that no earlier check refused,
the lowest on ties (the fewest refusals). Only questions that pass the earlier checks (unknown names, evidence) count.

Usage: python -m evaluate.fit [--index DIR] [--questions FILE] [--splits tune,heldout,…]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from core import layout
from core.errors import MythQAError
from evaluate.run import QUESTIONS, load_questions
from qa.trace import Trace

# Up to 0.9: above it the check would demand that the closest sentence itself hold the value, and a question worded
# unlike the text would be refused for that alone.
GRID = tuple(round(x, 2) for x in np.arange(0.5, 0.901, 0.02))


def ratios(engine, questions) -> list[tuple[float, bool]]:
    """(fit ratio, out of scope) of each question the check applies to and no earlier check refuses, asked with it off."""
    off = type(engine)(engine.index, engine.encoders, replace(engine.settings, fit_relevance=0.0, answer_model={}), engine.notices)
    out = []
    for q in questions:
        trace = Trace()
        answer = off.ask(q.question, trace=trace)
        if trace.values.get("strict") and answer.answered:
            out.append((trace.values["fit"], q.out_of_scope))
    return out


def choose(rows: list[tuple[float, bool]], all_answerable: int) -> tuple[float, int, int, int, int]:
    """(ratio, out-of-scope refused, out of scope, answerable refused, answerable) by the rule above."""
    answerable = sum(1 for _, oos in rows if not oos)
    budget = all_answerable // 50
    best = None
    for t in GRID:
        refused = sum(1 for r, oos in rows if not oos and r < t)
        caught = sum(1 for r, oos in rows if oos and r < t)
        if refused <= budget and (best is None or caught > best[1]):
            best = (t, caught, len(rows) - answerable, refused, answerable)
    return best or (0.0, 0, len(rows) - answerable, 0, answerable)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate.fit", description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--questions", type=Path, default=QUESTIONS)
    p.add_argument("--splits", default="tune,heldout,blind,blind2,blind3,blind4,blind5", help="comma-separated splits to choose on")
    args = p.parse_args(argv)
    from qa.engine import Engine

    try:
        engine = Engine.load(args.index)
        splits = set(args.splits.split(","))
        questions = [q for q in load_questions(args.questions) if q.split in splits and not q.follows]
    except (MythQAError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = ratios(engine, questions)
    for t in GRID:
        refused = sum(1 for r, oos in rows if not oos and r < t)
        caught = sum(1 for r, oos in rows if oos and r < t)
        print(f"ratio {t:.2f}: answerable refused {refused:3d}, out of scope refused {caught:3d}")
    t, caught, oos, refused, answerable = choose(rows, sum(1 for q in questions if not q.out_of_scope))
    print(f"\n{len(rows)} questions the check applies to ({answerable} answerable, {oos} out of scope) on {args.splits}")
    print(f"chosen fit_relevance {t:.2f}: {caught}/{oos} out of scope refused, {refused}/{answerable} answerable refused")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
