"""Leave one myth out: fit every learned part on all development myths but one, score the one left out, each in turn.

Per fold (myth h left out): mpnet's query side is tuned on the other myths' questions (learn.folds); the sentence ranker,
the answer model, the abstention threshold and the fit check are fitted on rows the other myths gave with *their* own
fold's encoder (learn.rows, learn.fit), so no row was read with an encoder trained on it; h is then asked, as an asker
would, on its own index (beside the shipped text), and scored (evaluate.run).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.profile import DEFAULT, Settings
from evaluate.run import Question, Report, evaluate, load_questions
from learn import devset, fit
from learn.folds import engine_with, fold_encoder, with_settings
from learn.rows import Rows, collect

SEALED = ("blind6", "blind7", "sealed16")  # scored once, never learnt from (eval/README.md)
# Each rule of qa.rank.choose switched off in turn: kept only where it wins leave-one-myth-out.
RULES = ("strict_filter", "author_rule", "follow_myth_rule", "item_rule")


@dataclass
class Fold:
    """One myth left out: its reports (all questions, then by kind) per configuration, and the profile fitted without it."""

    myth: int
    reports: dict[str, list[Report]]
    profile: Settings


def questions_of(dev: devset.DevSet) -> dict[int, list[Question]]:
    return {m.myth: [q for q in load_questions(m.questions) if q.split not in SEALED] for m in dev.myths}


def run(work: Path, tuned: bool = True, ablations: bool = False, log=print) -> tuple[list[Fold], Settings]:
    """Every fold, and the profile fitted on all myths (what ships).

    Args:
        work: where the indexes of the development myths are kept between runs.
        tuned: tune mpnet's query side per fold (else every fold answers with the base encoder).
        ablations: also score each fold without the sentence model, and with each rule of RULES off.
    """
    dev = devset.read()
    questions = questions_of(dev)
    indexes = {m.myth: devset.build(dev, m.myth, work, log) for m in dev.myths}
    encoders: dict[int, Path | None] = {m: None for m in indexes}
    if tuned:
        every = devset.build(dev, devset.ALL, work, log)
        for h in indexes:
            encoders[h] = fold_encoder(every, [q for m, qs in questions.items() if m != h for q in qs], Path(work) / "encoders", log=log)
    # One engine per myth, loaded once: every configuration below only swaps its settings (loading an index and its
    # encoders for each would hold gigabytes of copies of the same weights).
    engines = {m: engine_with(indexes[m], encoders[m]) for m in indexes}
    rows: dict[int, Rows] = {}
    for m in indexes:
        log(f"Reading Myth {m}'s {len(questions[m])} questions …")
        rows[m] = collect(engines[m], m, questions[m])
    folds = []
    for h in indexes:
        learned = fit.profile(DEFAULT, [rows[m] for m in indexes if m != h], name=f"without myth {h}")
        configs = {"learned": learned}
        if ablations:
            configs["no ranker"] = replace(learned, sentence_model={})
            configs |= {f"-{rule}": replace(learned, **{rule: False}) for rule in RULES}
        reports = {}
        for label, settings in configs.items():
            reports[label] = evaluate(with_settings(engines[h], settings), questions[h], by_kind=True)
        folds.append(Fold(h, reports, learned))
        first = next(r for r in reports["learned"] if r.split == "all")
        log(f"Myth {h} left out: top-1 {first.top1:.3f}, first sentence {first.sentence:.3f}")
    shipped = fit.profile(DEFAULT, list(rows.values()), name=DEFAULT.name)
    splits = tuple(sorted({q.split for qs in questions.values() for q in qs}))
    return folds, replace(shipped, trained_splits=splits)


def record(folds: list[Fold], shipped: Settings, tuned: bool) -> dict:
    """What the shipped profile was fitted on and how each myth left out scored, for core/learned.json."""
    import time

    rows = {}
    for f in folds:
        r = next(x for x in f.reports["learned"] if x.split == "all")
        rows[str(f.myth)] = {k: round(getattr(r, k), 3) for k in ("top1", "top3", "sentence", "any_sentence")} | {
            "answerable": r.n_answerable,
            "refused": r.refused,
            "unanswerable_refused": f"{r.abstained_out_of_scope}/{r.n_out_of_scope}",
        }
    return {
        "fitted": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "myths": sorted(f.myth for f in folds),
        "trained_splits": list(shipped.trained_splits),
        "query_encoder_per_fold": "tuned on the other myths' questions" if tuned else "base",
        "leave_one_myth_out": rows,
    }


def table(folds: list[Fold]) -> str:
    """Per myth left out and configuration: answerable, top-1, top-3, first and any answer sentence, refused, and
    unanswerable refused; then the per-kind rows of the learned configuration."""
    head = "myth left out  configuration     n  top-1  top-3  first  any    refused  unanswerable refused"
    lines = [head, "-" * len(head)]
    for f in folds:
        for label, reports in f.reports.items():
            r = next(x for x in reports if x.split == "all")
            lines.append(
                f"Myth {f.myth:<8} {label:16} {r.n_answerable:3d}  {r.top1:.3f}  {r.top3:.3f}  {r.sentence:.3f}  "
                f"{r.any_sentence:.3f}  {r.refused:3d}      {r.abstained_out_of_scope:3d}/{r.n_out_of_scope}"
            )
    lines += [
        "",
        "By kind (learned configuration, every fold together):",
        "kind               n  top-1  first  refused  unanswerable refused",
    ]
    kinds: dict[str, list[Report]] = {}
    for f in folds:
        for r in f.reports["learned"]:
            if r.split.startswith("kind:"):
                kinds.setdefault(r.split[5:], []).append(r)
    for kind, rs in kinds.items():
        n = sum(r.n_answerable for r in rs)
        top1 = sum(r.top1 * r.n_answerable for r in rs) / n if n else 0.0
        sent = sum(r.sentence * r.n_answerable for r in rs) / n if n else 0.0
        oos = sum(r.n_out_of_scope for r in rs)
        lines.append(
            f"{kind:16} {n:4d}  {top1:.3f}  {sent:.3f}  {sum(r.refused for r in rs):4d}     "
            f"{sum(r.abstained_out_of_scope for r in rs):3d}/{oos}"
        )
    return "\n".join(lines)
