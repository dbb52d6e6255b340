"""Choose the abstention weight and threshold on chosen splits of the question set (prints the grid's pick).

The rule: an answerable question may be refused at most once per 50 (the issue's bar, "at most one of
about fifty"); among weights 0-2 the one whose threshold turns away the most out-of-scope questions wins,
ties going to fewer refusals and then to the wider gap around the threshold. The threshold sits halfway
between the last refused and the first answered answerable score.

Usage: python -m evaluate.calibrate [--index DIR] [--questions FILE] [--splits tune,heldout,blind] [--write PROFILE.json]

``--write`` saves the index's settings profile with the calibrated abstention for the model that decides it;
`python -m ingest --profile PROFILE.json` then publishes it (no code edit, no re-embedding).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core import layout
from core.errors import MythQAError
from evaluate.run import QUESTIONS, Question, load_questions
from qa.abstain import Evidence

WEIGHTS = tuple(round(w, 1) for w in np.arange(0.0, 2.01, 0.1))


class Choice(NamedTuple):
    weight: float
    threshold: float
    out_of_scope_abstained: int
    out_of_scope: int
    refused: int
    answerable: int
    gap: float  # distance between the threshold and the nearest answerable score on either side


def choose(rows: list[tuple[Evidence, bool]], weights=WEIGHTS) -> Choice:
    """Pick (weight, threshold) by the rule above from (evidence, out_of_scope) pairs."""
    answerable = [ev for ev, oos in rows if not oos]
    budget = len(answerable) // 50
    best = None
    for w in weights:
        named = sum(bool(ev.unknown_names) for ev in answerable)  # refused whatever the threshold
        scores = sorted(ev.dense + w * ev.coverage for ev in answerable if not ev.unknown_names)
        room = max(budget - named, 0)
        if len(scores) <= room:
            continue
        lo = scores[room - 1] if room else scores[0] - 0.02
        t = (lo + scores[room]) / 2
        abstained = sum(1 for ev, oos in rows if oos and (ev.unknown_names or ev.dense + w * ev.coverage < t))
        refused = named + room
        gap = (scores[room] - lo) / 2
        key = (abstained, -refused, gap)
        if best is None or key > best[0]:
            best = (key, Choice(w, round(t, 3), abstained, len(rows) - len(answerable), refused, len(answerable), round(gap, 3)))
    if best is None:
        raise ValueError("too few answerable questions to calibrate on")
    return best[1]


def calibrate(engine, questions: list[Question], splits: tuple[str, ...]) -> Choice:
    chosen = [q for q in questions if q.split in splits]
    return choose([(engine.evidence(q.question), q.out_of_scope) for q in chosen])


def calibrated_profile(settings, key: str, choice: Choice, name: str):
    """``settings`` with the abstention of model ``key`` replaced by ``choice`` (other models' entries kept)."""
    from dataclasses import replace

    entry = {"lexical_weight": choice.weight, "threshold": choice.threshold}
    return replace(settings, name=name, abstain={key: entry, **{k: v for k, v in settings.abstain.items() if k != key}})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate.calibrate", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--questions", type=Path, default=QUESTIONS)
    p.add_argument("--splits", default="tune,heldout,blind", help="comma-separated splits to calibrate on")
    p.add_argument("--write", type=Path, metavar="FILE", help="write the index's profile with this abstention to FILE")
    p.add_argument("--name", default="calibrated", help="name of the written profile (default: calibrated)")
    p.add_argument("--model", help="the model whose evidence decides abstention (default: the profile's)")
    args = p.parse_args(argv)
    from dataclasses import replace

    from qa.engine import Engine

    try:
        engine = Engine.load(args.index)
        if args.model:  # put this model's entry first: its cosine is then the evidence (qa.engine.Engine.abstention)
            if args.model not in engine.index.models:
                raise ValueError(f"the index holds no model “{args.model}” (it has {', '.join(engine.index.models)})")
            first = {args.model: {"lexical_weight": 0.0, "threshold": 0.0}}
            settings = replace(engine.settings, abstain={**first, **engine.settings.abstain} | first)
            engine = Engine(engine.index, engine.encoders, settings, engine.notices)
        choice = calibrate(engine, load_questions(args.questions), tuple(args.splits.split(",")))
    except (MythQAError, OSError, ValueError) as e:  # MythQAError: every error the project raises on purpose
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(choice._asdict()))
    if args.write:
        key = engine.abstention[0] if engine.abstention else engine.lead
        profile = calibrated_profile(engine.settings, key, choice, args.name)
        layout.write_json(args.write, profile.to_json())
        print(f"Profile written to {args.write}; publish it with `python -m ingest --profile {args.write}`.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
