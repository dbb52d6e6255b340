"""Each embedding model alone and the models fused, on the development splits (blind3 stays unseen).

Usage: python -m bench.models_compare --index DIR [--models minilm,mpnet]   (DIR built with `python -m ingest --models minilm,mpnet`)
Prints the evaluation table of every weighting: the index's own profile with only the model weights changed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path


def weightings(keys: list[str]) -> list[dict[str, float]]:
    """Each model alone, then all of them with equal weight."""
    return [{k: 1.0} for k in keys] + ([dict.fromkeys(keys, 1.0)] if len(keys) > 1 else [])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.models_compare", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--models", default="minilm,mpnet")
    args = p.parse_args(argv)
    from evaluate.report import table
    from evaluate.run import QUESTIONS, evaluate, load_questions
    from qa.engine import Engine

    base = Engine.load(args.index)
    questions = load_questions(QUESTIONS)
    for weights in weightings(args.models.split(",")):
        engine = Engine(base.index, base.encoders, replace(base.settings, model_weights=weights), base.notices)
        print(f"\n## weights {weights} (abstention decided by {engine.abstention[0] if engine.abstention else 'no model'})")
        print(table(evaluate(engine, questions, ("fused", "dense"))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
