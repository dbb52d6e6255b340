"""The gate before publishing a tuned query encoder: it must answer at least as well as the published version on the
questions neither of them was tuned on (each version's tuning record lists what it was tuned on)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import MythQAError
from evaluate.run import Question, Report, run, summarise

REFUSED_EXIT = 3  # `python -m learn.tune --publish`: the candidate answers worse; nothing was published (0 published, 2 error)


@dataclass(frozen=True)
class GateSettings:
    """Which questions publishing keeps for the gate, and how much worse a candidate may do."""

    # Never trained on by `learn.tune --publish`, so every version it publishes can be scored on them: the held-out half
    # of the first hand-written set (39 answerable, 12 unanswerable), the split written to be held out. Unanswerable
    # questions and follow-ups of every split are never trained on either, so they are scored too.
    splits: tuple[str, ...] = ("heldout",)
    # Questions the candidate may lose: 0, since both versions answer the same questions on one deterministic read
    # path, so a loss is a real loss on them; `--publish-anyway` is the judged exception.
    slack: int = 0


@dataclass(frozen=True)
class Score:
    """One version's figures on the gate's questions."""

    right: int  # answerable questions whose first answer sentence holds the gold, plus unanswerable ones refused
    answerable: int
    unanswerable: int
    top1: float
    top3: float
    sentence: float
    refused: int  # answerable questions refused
    unanswerable_refused: int

    @classmethod
    def of(cls, r: Report) -> Score:
        hits = round(r.sentence * r.n_answerable)  # the share is a mean of booleans: exact as a count
        return cls(hits + r.abstained_out_of_scope, r.n_answerable, r.n_out_of_scope, r.top1, r.top3, r.sentence, r.refused,
                   r.abstained_out_of_scope)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """The gate's decision with both versions' figures (None: no question was left to compare them on)."""

    publish: bool
    reason: str
    published: Score | None = None
    candidate: Score | None = None

    def table(self) -> str:
        """Both versions' figures side by side, or the reason alone when nothing was scored."""
        if self.published is None or self.candidate is None:
            return self.reason
        p, c = self.published, self.candidate
        rows = [
            ("answered right", f"{p.right} of {p.answerable + p.unanswerable}", f"{c.right} of {c.answerable + c.unanswerable}"),
            ("top-1 passage", f"{p.top1:.3f}", f"{c.top1:.3f}"),
            ("top-3 passages", f"{p.top3:.3f}", f"{c.top3:.3f}"),
            ("first sentence", f"{p.sentence:.3f}", f"{c.sentence:.3f}"),
            ("answerable refused", f"{p.refused} of {p.answerable}", f"{c.refused} of {c.answerable}"),
            ("unanswerable refused", f"{p.unanswerable_refused} of {p.unanswerable}", f"{c.unanswerable_refused} of {c.unanswerable}"),
        ]
        lines = [f"{'':<22}{'published':>14}{'candidate':>14}"] + [f"{a:<22}{b:>14}{c_:>14}" for a, b, c_ in rows]
        return self.reason + "\n" + "\n".join(lines)


class Refused(MythQAError):
    """The candidate answers worse than the published version on the gate's questions; nothing was published."""

    code = "tuning-refused"
    remedy = "check the training questions (eval/reviewed.jsonl: wrong gold?), or publish it with --publish-anyway"


def unseen_by_both(questions: list[Question], *trained: set[str] | frozenset[str]) -> list[Question]:
    """The questions no tuning record in ``trained`` lists, in their order."""
    seen = set().union(*trained)
    return [q for q in questions if q.id not in seen]


def _with_turns_before(chosen: list[Question], questions: list[Question]) -> list[Question]:
    """``chosen`` plus the earlier turns their follow-ups need (asked for context, never scored), in set order."""
    by_id = {q.id: q for q in questions}
    need = {q.id for q in chosen}
    for q in chosen:
        while q.follows in by_id and q.follows not in need:
            need.add(q.follows)
            q = by_id[q.follows]
    return [q for q in questions if q.id in need]


def score(engine, chosen: list[Question], questions: list[Question]) -> Score:
    """``engine``'s figures on ``chosen`` (follow-ups asked after their earlier turns, as in a chat)."""
    ids = {q.id for q in chosen}
    outcomes = [o for o in run(engine, _with_turns_before(chosen, questions)) if o.question.id in ids]
    return Score.of(summarise(engine, outcomes, "fused", "gate"))


def candidate_engine(published, key: str, onnx: Path):
    """The published engine with ``key``'s query encoder replaced by the candidate's checked ONNX export."""
    from qa.encode import OnnxQueryEncoder

    model = published.index.models[key]
    try:
        encoder = OnnxQueryEncoder(onnx, model.spec, model.model_dir, published.settings.query_threads.get(key, 1))
    except ImportError:
        raise MythQAError("onnxruntime is not installed, so the candidate cannot be scored", "install requirements.txt") from None
    return type(published)(published.index, {**published.encoders, key: encoder}, published.settings, published.notices)


def judge(index_dir: Path, key: str, onnx: Path, questions: list[Question], published_ids, candidate_ids,
          settings: GateSettings = GateSettings()) -> Verdict:  # fmt: skip
    """Score the published version and the candidate (``onnx``) on the questions neither was tuned on; a tie publishes.

    Args:
        published_ids: question ids the published encoder was tuned on (its tuning record).
        candidate_ids: question ids the candidate was tuned on.
    """
    from qa.engine import Engine

    chosen = unseen_by_both(questions, set(published_ids), set(candidate_ids))
    if not chosen:
        return Verdict(False, "No question is left that neither version was tuned on, so the candidate cannot be compared: "
                              f"keep a split out of tuning (GateSettings.splits: {', '.join(settings.splits)}).")  # fmt: skip
    published = Engine.load(index_dir)
    before = score(published, chosen, questions)
    after = score(candidate_engine(published, key, onnx), chosen, questions)
    splits = ", ".join(dict.fromkeys(q.split for q in chosen))
    return decide(before, after, f"on {len(chosen)} questions neither version was tuned on (splits {splits})", settings.slack)


def decide(before: Score, after: Score, where: str, slack: int = GateSettings.slack) -> Verdict:
    """Publish unless the candidate (``after``) answers fewer questions right than the published version, less ``slack``."""
    if after.right + slack < before.right:
        return Verdict(False, f"The candidate answers worse than the published version {where}:", before, after)
    word = "as well as" if after.right == before.right else "better than" if after.right > before.right else "almost as well as"
    return Verdict(True, f"The candidate answers {word} the published version {where}:", before, after)
