"""Learn the answer-or-refuse decision from the development questions, and check it by split against the rules.

Rows: every single (not follow-up) question of the chosen splits that no hard rule refuses (names or key terms the
texts never use), with the features of ``qa.decide.features``, labelled answerable or out of scope; plus hard
unanswerable questions made from the answerable ones by swapping a name for another of the same kind that the corpus
uses but the gold sentences do not ("Is China arming Russia?" -> "Is Vietnam arming Russia?").

For each split in turn a logistic regression is fitted on the others, with the highest threshold that refuses at most
one answerable training question in ``BUDGET``; the split left out is then scored with the rules the profile holds (the
calibrated abstention entry and the fit check), with the model alone, and with both (what qa.decide.decide does).
``--write FILE`` fits on every split and saves the profile with it.

Usage: python -m evaluate.answerability [--index DIR] [--splits …] [--write PROFILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from core import layout
from core.errors import MythQAError
from evaluate.run import QUESTIONS, load_questions
from qa.decide import FEATURES
from qa.trace import Trace

DEV = "tune,heldout,blind,blind2,blind3,blind4,blind5"
SWAP_LABELS = ("GPE", "PERSON", "ORG")
# At most one answerable training question in this many is refused. Cross-validated by split, with the rules: 1 in 50
# refused 7 of 280 held-out answerable questions, 1 in 100 refused 4 and kept most of the gain on unanswerable ones.
BUDGET = 100


def swaps(engine, questions) -> list:
    """Unanswerable questions made by swapping one name of each answerable question (see the module docstring)."""
    from collections import Counter

    names: dict[str, Counter] = {label: Counter() for label in SWAP_LABELS}
    for ms in engine.facts.mentions:
        for text, label, _ in ms:
            if label in names:
                names[label][text] += 1
    out = []
    for i, q in enumerate(questions):
        if q.out_of_scope:
            continue
        a = engine.analyzer.analyze(q.question)
        ent = next((e for e in a.entities if e.label in SWAP_LABELS and e.text in q.question), None)
        if ent is None:
            continue
        gold = " ".join(q.gold).lower()
        others = [n for n, _ in names[ent.label].most_common() if n.lower() not in gold and n.lower() not in q.question.lower()]
        if others:
            swapped = q.question.replace(ent.text, others[i % min(len(others), 5)], 1)
            out.append(replace(q, id=q.id + "-swap", question=swapped, gold=(), out_of_scope=True, kind="swap"))
    return out


def rows(engine, questions) -> list[tuple[str, str, dict, bool]]:
    """(split, kind, features, answerable) of each question no hard rule refuses."""
    plain = type(engine)(engine.index, engine.encoders, replace(engine.settings, answer_model={}), engine.notices)
    out = []
    for q in questions:
        a = plain.analyzer.analyze(q.question)
        trace = Trace()
        answer = plain.ask(q.question, trace=trace)
        if answer.status == "unknown_name" or "dense" not in trace.values or a.unknown:
            continue
        out.append((q.split, q.kind, {k: trace.values[k] for k in FEATURES}, not q.out_of_scope))
    return out


def fit(train) -> dict[str, float]:
    """Logistic weights (standardised features folded back), bias and threshold from training rows."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[f[k] for k in FEATURES] for _, _, f, _ in train])
    y = np.array([ok for *_, ok in train], dtype=int)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit((x - mu) / sd, y)
    w = model.coef_[0] / sd
    b = float(model.intercept_[0] - (model.coef_[0] * mu / sd).sum())
    p = 1 / (1 + np.exp(-(x @ w + b)))
    ok = np.sort(p[y == 1])
    budget = int(y.sum()) // BUDGET
    threshold = float(ok[budget] - 1e-6) if len(ok) > budget else 0.5  # refuse at most `budget` answerable ones
    return {**{k: round(float(v), 6) for k, v in zip(FEATURES, w, strict=True)}, "bias": round(b, 6), "threshold": round(threshold, 6)}


def rule(engine, f: dict) -> bool:
    """Whether the profile's rules answer a question with features ``f`` (hard rules already passed)."""
    st, ab = engine.settings, engine.abstention
    by_score = ab is None or f["dense"] + ab[1] * f["coverage"] >= ab[2]
    return by_score and (not f["strict"] or f["fit"] >= st.fit_relevance)


def score(rows_, answers) -> tuple[int, int, int, int, int, int]:
    """(answerable refused, answerable, out of scope refused, out of scope, swaps refused, swaps)."""
    ans = [not answers(f) for _, kind, f, ok in rows_ if ok]
    oos = [not answers(f) for _, kind, f, ok in rows_ if not ok and kind != "swap"]
    sw = [not answers(f) for _, kind, f, ok in rows_ if kind == "swap"]
    return sum(ans), len(ans), sum(oos), len(oos), sum(sw), len(sw)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate.answerability", description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--questions", type=Path, default=QUESTIONS)
    p.add_argument("--splits", default=DEV, help=f"comma-separated splits to learn and cross-validate on (default: {DEV})")
    p.add_argument("--write", type=Path, help="save the index's profile with the model fitted on every split here")
    args = p.parse_args(argv)
    from qa.decide import learned
    from qa.engine import Engine

    try:
        engine = Engine.load(args.index)
        wanted = args.splits.split(",")
        questions = [q for q in load_questions(args.questions) if q.split in wanted and not q.follows]
    except (MythQAError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    data = rows(engine, questions + swaps(engine, questions))
    print(f"{len(data)} rows ({sum(1 for r in data if r[1] == 'swap')} swaps) from {args.splits}\n")
    print("split      method   answerable refused   out of scope refused   swaps refused")
    totals = {"rules": np.zeros(6, int), "learned": np.zeros(6, int), "both": np.zeros(6, int)}
    for split in wanted:
        held = [r for r in data if r[0] == split]
        model = fit([r for r in data if r[0] != split])
        methods = {
            "rules": lambda f: rule(engine, f),
            "learned": lambda f, m=model: learned(m, f) >= m["threshold"],
            "both": lambda f, m=model: rule(engine, f) and learned(m, f) >= m["threshold"],  # refused when either refuses
        }
        for name, answers in methods.items():
            s = score(held, answers)
            totals[name] += s
            print(f"{split:10s} {name:8s} {s[0]:4d}/{s[1]:<4d}            {s[2]:4d}/{s[3]:<4d}              {s[4]:4d}/{s[5]:<4d}")
    for name, s in totals.items():
        print(f"{'all':10s} {name:8s} {s[0]:4d}/{s[1]:<4d}            {s[2]:4d}/{s[3]:<4d}              {s[4]:4d}/{s[5]:<4d}")
    if args.write:
        model = fit(data)
        profile = replace(engine.settings, answer_model=model)
        args.write.write_text(json.dumps(profile.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.write}: {model}")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
