"""Render evaluation reports as a table with the failed questions, or as JSON."""

from __future__ import annotations

from dataclasses import asdict

from evaluate.run import Report


def _pct(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.3f}"


def table(reports: list[Report]) -> str:
    """One row per (method, split): hit rates, MRR, sentences, abstention and latency."""
    cols = ("method", "split", "n", "top1", "top3", "MRR", "sent", "any", "refus", "oos", "abs.P", "abs.R", "p50ms", "p95ms")
    widths = (-11, -16, 3, 5, 5, 5, 5, 5, 5, 7, 5, 5, 6, 6)
    head = " ".join(f"{c:<{-w}}" if w < 0 else f"{c:>{w}}" for c, w in zip(cols, widths, strict=True))
    rows = [head, "-" * len(head)]
    for r in reports:
        some = r.n_answerable > 0  # no answerable question (a set of refusals only): its hit rates mean nothing, not 0
        top1, top3, mrr, sent, any_ = (_pct(x if some else None) for x in (r.top1, r.top3, r.mrr, r.sentence, r.any_sentence))
        rows.append(
            f"{r.method:11} {r.split:16} {r.n_answerable:3d} {top1} {top3} {mrr} {sent} {any_} "
            f"{r.refused:5d} {r.abstained_out_of_scope:3d}/{r.n_out_of_scope:<3d} {_pct(r.abstain_precision)} {_pct(r.abstain_recall)} "
            f"{r.latency_p50_ms:6.1f} {r.latency_p95_ms:6.1f}"
        )
    return "\n".join(rows)


def failures(report: Report) -> str:
    """Every failed question of one report with what the engine returned."""
    lines = [f"Failures ({report.method}, {report.split}): {len(report.failures)}"]
    for f in report.failures:
        for t in f.get("previous", ()):
            lines.append(f"  (after “{t['question']}” → “{t['answer'] or 'refused'}”)")
        lines.append(f"  {f['id']} {f['question']}\n      why: {f['why']}\n      gold: {' | '.join(f['gold']) or '(out of scope)'}")
        lines.append(f"      top passage [{f['top_section']}]: {f['top_passage']}\n      first sentence: {f['sentence']}")
    return "\n".join(lines)


def as_json(reports: list[Report]) -> list[dict]:
    return [asdict(r) for r in reports]
