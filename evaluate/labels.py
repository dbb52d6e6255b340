"""Words and table rows for readers of the figures (the evaluation page, `python -m evaluate`): what a version was
tuned on, whether a split is a fair test of it, and each report as a row."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from evaluate.run import Question, Report, in_sample

UNSEEN = "Unseen questions are ones this version never learnt from, so its score on them is the fair test of new questions."
OPTIMISTIC = "tuned on"  # a split the version learnt from
PARTLY = "partly tuned on"
FAIR = "unseen"
_STAMP = re.compile(r"^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)")  # version names start with their publishing time


def sample_note(trained, questions: list[Question]) -> str:
    """One plain sentence on how far the figures on ``questions`` are a fair test (``trained``: run.trained_on)."""
    seen = sum(in_sample(q, trained) for q in questions)
    n = len(questions)
    if not seen:
        which = "this question" if n == 1 else f"any of these {n} questions"
        return f"This version never learnt from {which}: every figure is a fair test of new questions."
    if seen == n:
        return (f"This version was tuned on all {n} of these questions, so its scores on them are optimistic: "
                "none of these figures says how it answers new questions.")  # fmt: skip
    return (f"This version was tuned on {seen} of these {n} questions, so its scores on them are optimistic; "
            f"the “unseen” row counts only the other {n - seen}, which it never learnt from.")  # fmt: skip


def split_status(questions: Iterable[Question], trained) -> str:
    """OPTIMISTIC when the version learnt from every question of the split, PARTLY from some, FAIR from none."""
    flags = [in_sample(q, trained) for q in questions]
    return OPTIMISTIC if flags and all(flags) else PARTLY if any(flags) else FAIR


def split_label(split: str, status: str) -> str:
    """A split named for what it is to this version first, then as the question file names it: “tuned on: “blind2””."""
    if split == "all":
        return f"all questions ({status})"
    if split in ("in-sample", "unseen"):
        return "tuned on (optimistic)" if split == "in-sample" else "unseen (fair test)"
    return f"{status}: “{split}”"


def split_labels(questions: list[Question], trained) -> dict[str, str]:
    """Each split of ``questions`` (and "all") → its label for this version."""
    splits = list(dict.fromkeys(q.split for q in questions))
    out = {s: split_label(s, split_status([q for q in questions if q.split == s], trained)) for s in splits}
    return out | {"all": split_label("all", split_status(questions, trained))}


def when(version: str) -> str:
    """ "2026-12-07 17:13" from a version name (other names as they are)."""
    m = _STAMP.match(version)
    return f"{m[1]}-{m[2]}-{m[3]} {m[4]}:{m[5]}" if m else version


def tuned_on(manifest: Mapping, sets: Mapping[str, Iterable[str]] | None = None) -> str:
    """What a version learnt from, e.g. "mpnet tuned on 299 questions of questions.jsonl; answer model fitted on 11 splits".

    Args:
        sets: question set name → its question ids, to say where the tuned questions come from.
    """
    parts = []
    for key, entry in (manifest.get("models") or {}).items():
        record = ((entry or {}).get("query_encoder") or {}).get("tuned") or {}
        ids = set(record.get("questions") or ())
        if not record:
            continue
        found = {name: len(ids & set(s)) for name, s in (sets or {}).items() if ids & set(s)}
        said = f"{key} tuned on {len(ids) or record.get('pairs', 0)} questions"
        if len(found) == 1 and sum(found.values()) == len(ids):
            said += f" of {next(iter(found))}"
        elif found:
            said += " (" + ", ".join(f"{n} of {name}" for name, n in found.items()) + ")"
        parts.append(said)
    if not parts:
        parts.append("no tuned query encoder")
    fitted = (manifest.get("profile") or {}).get("trained_splits") or ()
    if fitted:  # the answer model and thresholds (core/learned.json) are fitted on whole splits
        parts.append(f"answer model fitted on {len(fitted)} split{'s' if len(fitted) > 1 else ''}")
    return "; ".join(parts)


def version_label(version: str, manifest: Mapping | None, sets: Mapping[str, Iterable[str]] | None = None) -> str:
    """ "2026-12-07 17:13 · mpnet tuned on 299 questions" (the version's id is shown beside it where it matters)."""
    return f"{when(version)} · " + (tuned_on(manifest, sets) if manifest is not None else "its manifest cannot be read")


NONE = "—"  # a figure that has no meaning for the row (no answerable question, or no unanswerable one)


def _share(x: float) -> str:
    return f"{x:.3f}"


def refusals(r: Report) -> str:
    """Unanswerable questions refused, as a count and a rate: "11 of 12 (92 %)"; "—" when there were none."""
    if not r.n_out_of_scope:
        return NONE
    return f"{r.abstained_out_of_scope} of {r.n_out_of_scope} ({round(100 * r.abstained_out_of_scope / r.n_out_of_scope)} %)"


def row(r: Report, head: str, name: str) -> dict:
    """A report as a table row headed ``head`` (“questions” or “kind”): passage figures only where some question has an
    answer, "—" elsewhere (an unanswerable-only row shows its refusal rate instead of a meaningless top-1 of 0)."""
    some = r.n_answerable > 0
    return {
        head: name, "answerable": r.n_answerable, "top-1": _share(r.top1) if some else NONE, "top-3": _share(r.top3) if some else NONE,
        "first sentence": _share(r.sentence) if some else NONE, "answerable refused": str(r.refused) if some else NONE,
        "unanswerable refused": refusals(r), "p95 ms": round(r.latency_p95_ms, 1),
    }  # fmt: skip


def shown_splits(reports: list[Report]) -> list[Report]:
    """The split rows worth reading: "in-sample" only beside an "unseen" row (else it repeats "all"), and "all" only
    over several splits (else it repeats the one)."""
    parts = [r for r in reports if not r.split.startswith("kind:")]
    splits = {r.split for r in parts} - {"all", "in-sample", "unseen"}
    unseen = any(r.split == "unseen" for r in parts)
    return [r for r in parts if not (r.split == "in-sample" and not unseen) and not (r.split == "all" and len(splits) == 1)]


def tables(reports: list[Report], labels: Mapping[str, str]) -> tuple[list[dict], list[dict]]:
    """(rows by split, rows by kind) of one method's reports; splits labelled with ``labels`` (split_labels)."""
    shown = shown_splits(reports)
    by_split = [row(r, "questions", labels.get(r.split) or split_label(r.split, FAIR)) for r in shown]
    by_kind = [row(r, "kind", r.split.removeprefix("kind:").replace("_", " ")) for r in reports if r.split.startswith("kind:")]
    return by_split, by_kind
