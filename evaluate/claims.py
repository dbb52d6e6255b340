"""`python -m evaluate.claims`: match accuracy of the claim check on eval/claims.jsonl, per split."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import layout
from core.errors import MythQAError
from evaluate.run import ROOT, read_rows

CLAIMS = ROOT / "eval" / "claims.jsonl"


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    myth: int | None  # the myth the claim restates, or None when no text covers it
    kind: str
    split: str


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    myth: int | None  # the myth the check matched, or None
    score: float
    seconds: float
    agrees: bool = False  # the check said the claim denies the myth it matched

    @property
    def correct(self) -> bool:
        """The right myth (or none), and for a matched claim the right side: a "counter" claim denies its myth."""
        return self.myth == self.claim.myth and (self.myth is None or self.agrees == (self.claim.kind == "counter"))


def load_claims(path: Path = CLAIMS) -> list[Claim]:
    """Read the claim set, checking every row."""
    out = []
    for n, row in read_rows(path):
        myth = row.get("myth")
        if not (isinstance(row.get("claim"), str) and row["claim"].strip()) or not (myth is None or isinstance(myth, int)):
            raise ValueError(f"{path}:{n}: a row needs a non-empty claim and a myth number or null")
        out.append(Claim(str(row["id"]), row["claim"], myth, str(row.get("kind", "")), str(row.get("split", "tune"))))
    return out


def run(engine, claims: list[Claim], settings=None) -> list[Outcome]:
    """Check every claim, each timed as new (the query-vector cache is cleared first) after one warm-up."""
    from qa.claim import CLAIM, check

    settings = settings or CLAIM
    check(engine, "warm-up claim", settings)
    out = []
    for c in claims:
        engine.clear_cache()
        t = time.perf_counter()
        r = check(engine, c.claim, settings)
        out.append(Outcome(c, r.myth, r.score, time.perf_counter() - t, r.agrees))
    return out


def table(outcomes: list[Outcome]) -> str:
    """One row per split and for all: matched-correct, none-correct, accuracy, latency."""
    lines = [f"{'split':8s} {'n':>3s} {'matched ok':>10s} {'none ok':>8s} {'accuracy':>8s} {'p50ms':>6s} {'p95ms':>6s}"]
    for split in [*dict.fromkeys(o.claim.split for o in outcomes), "all"]:
        rows = [o for o in outcomes if split == "all" or o.claim.split == split]
        pos, neg = [o for o in rows if o.claim.myth is not None], [o for o in rows if o.claim.myth is None]
        ms = np.array([o.seconds for o in rows]) * 1000
        lines.append(
            f"{split:8s} {len(rows):3d} {sum(o.correct for o in pos):>4d}/{len(pos):<5d} {sum(o.correct for o in neg):>3d}/{len(neg):<4d}"
            f" {np.mean([o.correct for o in rows]):8.3f} {np.percentile(ms, 50):6.1f} {np.percentile(ms, 95):6.1f}"
        )
    return "\n".join(lines)


def calibrate(engine, claims: list[Claim]) -> tuple[float, int, float]:
    """(threshold, claims right, gap) with the most claims right: midway across the widest gap on ties.

    A claim whose best myth is not its own is wrong at any threshold when it has a myth, and needs only the
    threshold above its score when it has none.
    """
    from dataclasses import replace

    from qa.claim import CLAIM, check

    everything = replace(CLAIM, thresholds=(), default_threshold=-np.inf)  # every claim matches its best myth
    scored = []
    for c in claims:
        r = check(engine, c.claim, everything)
        scored.append((r.score, c.myth is None or r.myth == c.myth, c.myth is None))
    values = sorted({s for s, _, _ in scored})
    cuts = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)] + [values[0] - 1e-6, values[-1] + 1e-6]

    def right(t: float) -> int:
        return sum((s < t) if none else (ok and s >= t) for s, ok, none in scored)

    def gap(t: float) -> float:
        return min((abs(s - t) for s, _, _ in scored), default=0.0)

    best = max(cuts, key=lambda t: (right(t), gap(t)))
    return round(best, 4), right(best), round(2 * gap(best), 4)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluate.claims", description=__doc__)
    p.add_argument("--index", type=Path, default=layout.default_index(), help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("--claims", type=Path, default=CLAIMS, help="claim set, JSON lines (default: eval/claims.jsonl)")
    p.add_argument("--models", help="comma-separated model keys to answer with (default: all the index holds)")
    p.add_argument("--calibrate", action="store_true", help="print each model's threshold chosen on the tune split, then stop")
    p.add_argument("--failures", action="store_true", help="also list every claim matched wrongly")
    args = p.parse_args(argv)
    from qa.engine import Engine

    try:
        claims = load_claims(args.claims)
        models = tuple(args.models.split(",")) if args.models else None
        engine = Engine.load(args.index, models=models)
        if args.calibrate:
            tune = [c for c in claims if c.split == "tune"]
            for key in engine.weights:
                t, ok, width = calibrate(Engine.load(args.index, models=(key,)), tune)
                print(f"{key}: threshold {t} ({ok}/{len(tune)} tune claims right, gap {width})")
            return 0
    except (MythQAError, OSError, ValueError) as e:  # MythQAError: every error the project raises on purpose
        print(f"error: {e}", file=sys.stderr)
        return 2
    outcomes = run(engine, claims)
    print(f"Index {engine.version}, models {', '.join(engine.weights)}; {len(claims)} claims from {args.claims}\n")
    print(table(outcomes))
    if args.failures:
        for o in outcomes:
            if not o.correct:
                c = o.claim
                print(f"  {c.id} [{c.split}/{c.kind}] expected {c.myth}, got {o.myth} ({o.score:.3f}): {c.claim}")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
