"""Two evaluations of one question set side by side (two index versions): figures per split, what was fixed, what broke."""

from __future__ import annotations

from collections.abc import Mapping

from evaluate.run import Report

METRICS = {"top1": "top-1", "top3": "top-3", "sentence": "first sentence"}  # field -> the heading the run table uses


def side_by_side(before: list[Report], after: list[Report], labels: Mapping[str, str] | None = None) -> list[dict]:
    """Per split evaluated in both (labelled by ``labels``, evaluate.labels.split_labels): each metric before → after,
    and the refusals."""
    from evaluate.labels import FAIR, shown_splits, split_label

    old = {r.split: r for r in before}
    rows = []
    for r in shown_splits(after):
        if r.split in old:
            b = old[r.split]
            rows.append(
                {
                    "questions": (labels or {}).get(r.split) or split_label(r.split, FAIR),
                    **{name: f"{getattr(b, m):.3f} → {getattr(r, m):.3f}" for m, name in METRICS.items()},
                    "refused": f"{b.refused} → {r.refused}",
                }
            )
    return rows


def changes(before: list[Report], after: list[Report]) -> tuple[list[str], list[str]]:
    """(fixed, broke): ids of the questions that failed before and pass after, and the other way round."""

    def failing(reports):
        return {f["id"] for r in reports if r.split == "all" for f in r.failures}

    was, now = failing(before), failing(after)
    return sorted(was - now), sorted(now - was)
