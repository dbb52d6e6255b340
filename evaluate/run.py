"""Run the question set through the engine and compute the metrics (definitions below).

Definitions (per answerable question; a question lists one or more verbatim gold snippets):
  - a passage *hits* when its text contains a gold snippet (whitespace runs count as one space, both sides);
  - top-1 / top-3 = share of questions with a hit at rank 1 / within ranks 1-3 (ir-measures Success@1, @3);
  - MRR = mean reciprocal rank of the first hit within the first 10 passages (ir-measures RR@10);
  - the first answer sentence *hits* when the question was answered and that sentence contains a gold
    snippet or is contained in one (a gold snippet may span several sentences);
  - refused = answerable questions the engine abstained on.
Per out-of-scope question the engine should abstain: abstention precision = abstentions on out-of-scope
questions / all abstentions, recall = abstentions on out-of-scope questions / out-of-scope questions.
Passage metrics ignore abstention (the closest passages are listed either way).
Latency = wall time of one ``Engine.ask`` per distinct question after a warm-up, query-embedding cache
cleared before each method so no question is served from it.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import jsonl, settings
from core.errors import BadInput
from qa.followup import Turn

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "questions.jsonl"
# Questions evaluators accepted from askers' votes (evaluate.review); MYTHQA_REVIEWED puts them elsewhere (a server's checkout).
REVIEWED = settings.load().reviewed_path()
SPLITS = ("tune", "heldout", "blind", "all")
# Kept for scoring once (python -m evaluate.once): never tuned or calibrated on, whatever file brings them.
SEALED = ("blind6", "blind7", "sealed16")
DEPTH = 10  # passages retrieved per question for the metrics


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]
    split: str
    kind: str
    out_of_scope: bool
    follows: str | None = None  # id of the question this one follows up (asked right after it, as in a chat)


@dataclass
class Outcome:
    question: Question
    chunks: list[int]
    answered: bool
    first_sentence: str | None
    top_section: str | None
    top_text: str | None
    seconds: float
    sentences: tuple[str, ...] = ()  # every answer sentence, for "any answer sentence holds the gold"
    previous: tuple[Turn, ...] = ()  # the turn a follow-up was asked after (question as read, first sentence given)


@dataclass
class Report:
    method: str
    split: str
    n_answerable: int
    n_out_of_scope: int
    top1: float
    top3: float
    mrr: float
    sentence: float
    any_sentence: float  # share of answerable questions where some answer sentence, not only the first, holds the gold
    refused: int
    abstain_precision: float | None
    abstain_recall: float | None
    abstained_out_of_scope: int
    latency_p50_ms: float
    latency_p95_ms: float
    failures: list[dict] = field(default_factory=list)


def read_rows(path: Path, log: bool = False):
    """(line number, object) for each non-blank line of a JSON-lines file (question and claim sets; core.jsonl).

    Args:
        log: the file is a log (questions accepted from votes): a bad row is skipped, and said on standard error.

    Raises:
        BadInput: (not ``log``) a line is not a JSON object; the message names the file and line.
    """
    found = jsonl.read(Path(path), log=log)
    for why in found.skipped:
        print(f"warning: {why}", file=sys.stderr)
    yield from found.rows


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the question set, checking each row has what the metrics need. The questions accepted from votes
    (``REVIEWED``) are a log: a bad row there is skipped and said, not a reason to refuse the set."""
    out = []
    for n, r in read_rows(path, log=_same_file(path, REVIEWED)):
        gold = r.get("gold", ())
        if not all(isinstance(r.get(k), str) and r[k].strip() for k in ("id", "question")):
            raise BadInput(f"{path}:{n}: “id” and “question” must be non-empty strings")
        if not isinstance(gold, list | tuple) or not all(isinstance(g, str) for g in gold):
            raise BadInput(f"{path}:{n}: “gold” must be a list of strings")
        q = Question(
            r["id"],
            r["question"],
            tuple(squash(g) for g in r.get("gold", ())),
            r.get("split", "tune"),
            r.get("kind", ""),
            bool(r.get("out_of_scope")),
            r.get("follows"),
        )
        if not q.out_of_scope and not q.gold:
            raise ValueError(f"{path}:{n}: answerable question {q.id} has no gold snippet")
        out.append(q)
    return out


def _same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def default_sets() -> list[Path]:
    """The question set evaluate and learn.tune read by default: eval/questions.jsonl, and eval/reviewed.jsonl once an
    evaluator has accepted a vote (with PostgreSQL, the reviewed table written there first: store.reviewed)."""
    from store.reviewed import ReviewedStore

    reviewed = ReviewedStore(REVIEWED).file()
    return [QUESTIONS, *([reviewed] if reviewed is not None else [])]


def squash(text: str) -> str:
    """Runs of whitespace as one space: a snippet copied across the text's line breaks still matches."""
    return " ".join(text.split())


def sentence_hit(sentence: str | None, gold: tuple[str, ...]) -> bool:
    if sentence is None:
        return False
    sentence = squash(sentence)
    return any(g in sentence or sentence in g for g in gold)


def run(engine, questions: list[Question], method: str = "fused", on_progress=None) -> list[Outcome]:
    """Ask every question once with ``method`` and record what came back and how long it took; ``on_progress`` is called
    with (done, total) after each question."""
    engine.clear_cache()
    for warm in ("warm-up question one", "warm-up question two"):
        engine.ask(warm, k=DEPTH, mode=method)
    engine.clear_cache()
    outcomes, turns = [], {}
    for q in questions:
        previous = [turns[q.follows]] if q.follows in turns else []
        t0 = time.perf_counter()
        a = engine.ask(q.question, k=DEPTH, mode=method, previous=previous)
        dt = time.perf_counter() - t0
        turns[q.id] = Turn.of(a)
        if on_progress is not None:
            on_progress(len(turns), len(questions))
        top = a.passages[0] if a.passages else None
        outcomes.append(
            Outcome(
                q,
                [p.chunk_id for p in a.passages],
                a.answered,
                a.sentences[0].text if a.sentences else None,
                top.section if top else None,
                top.text if top else None,
                dt,
                tuple(s.text for s in a.sentences),
                tuple(previous),
            )
        )
    return outcomes


def _passage_metrics(engine, outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per-question Success@1, Success@3 and RR@10 from ir-measures; a question with no hit at all scores 0."""
    import ir_measures
    from ir_measures import RR, Qrel, ScoredDoc, Success

    chunks = engine.index.chunks
    qrels = [Qrel(o.question.id, str(c.id), 1) for o in outcomes for c in chunks if any(g in squash(c.text) for g in o.question.gold)]
    # Scores from ranks: trec_eval breaks score ties by doc id, which would reorder our ranking.
    run_ = [ScoredDoc(o.question.id, str(cid), float(DEPTH - r)) for o in outcomes for r, cid in enumerate(o.chunks)]
    per: dict[str, dict[str, float]] = {o.question.id: {"top1": 0.0, "top3": 0.0, "mrr": 0.0} for o in outcomes}
    names = {Success @ 1: "top1", Success @ 3: "top3", RR @ DEPTH: "mrr"}
    for m in ir_measures.iter_calc(list(names), qrels, run_):
        per[m.query_id][names[m.measure]] = float(m.value)
    return per


def summarise(engine, outcomes: list[Outcome], method: str, split: str) -> Report:
    """Aggregate the outcomes of one method over one split, listing every failed question."""
    ans = [o for o in outcomes if not o.question.out_of_scope]
    oos = [o for o in outcomes if o.question.out_of_scope]
    per = _passage_metrics(engine, ans) if ans else {}

    def mean(key):
        return float(np.mean([per[o.question.id][key] for o in ans])) if ans else 0.0

    abstained = [o for o in outcomes if not o.answered]
    caught = sum(1 for o in abstained if o.question.out_of_scope)
    failures = []
    for o in outcomes:
        q = o.question
        why = []
        if q.out_of_scope and o.answered:
            why.append("answered an out-of-scope question")
        if not q.out_of_scope:
            if per[q.id]["top1"] < 1:
                why.append(f"top-1 passage miss (first hit at rank {round(1 / per[q.id]['mrr']) if per[q.id]['mrr'] else '>10'})")
            if not o.answered:
                why.append("refused")
            elif not sentence_hit(o.first_sentence, q.gold):
                why.append("first sentence miss")
        if why:
            failures.append(
                {"id": q.id, "question": q.question, "why": "; ".join(why), "gold": list(q.gold), "sentence": o.first_sentence,
                 "top_section": o.top_section, "top_passage": _cut(o.top_text or "", 160),
                 "previous": [{"question": t.question, "answer": t.answer} for t in o.previous]}
            )  # fmt: skip
    ms = np.array([o.seconds * 1000 for o in outcomes]) if outcomes else np.zeros(1)
    return Report(
        method=method,
        split=split,
        n_answerable=len(ans),
        n_out_of_scope=len(oos),
        top1=mean("top1"),
        top3=mean("top3"),
        mrr=mean("mrr"),
        sentence=float(np.mean([o.answered and sentence_hit(o.first_sentence, o.question.gold) for o in ans])) if ans else 0.0,
        any_sentence=float(np.mean([o.answered and any(sentence_hit(s, o.question.gold) for s in o.sentences) for o in ans] or 0)),
        refused=sum(1 for o in ans if not o.answered),
        abstain_precision=caught / len(abstained) if abstained else None,
        abstain_recall=caught / len(oos) if oos else None,
        abstained_out_of_scope=caught,
        latency_p50_ms=float(np.percentile(ms, 50)),
        latency_p95_ms=float(np.percentile(ms, 95)),
        failures=failures,
    )


def _cut(text: str, n: int) -> str:
    """``text`` up to ``n`` characters, ending on a whole word with "…" when cut."""
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def splits_of(questions: list[Question]) -> list[str]:
    """The splits in the file, known ones first, then "all"."""
    present = dict.fromkeys(q.split for q in questions)
    return [s for s in SPLITS if s in present and s != "all"] + [s for s in present if s not in SPLITS] + ["all"]


def trained_on(engine) -> tuple[frozenset[str], frozenset[str]]:
    """(question ids, splits) the published index learnt from: the ids in each tuned query encoder's record (learn.tune),
    and the splits its profile's answer model and thresholds were fitted on (``Settings.trained_splits``)."""
    ids = set()
    for model in engine.index.models.values():
        ids.update(((model.entry.get("query_encoder") or {}).get("tuned") or {}).get("questions") or ())
    return frozenset(ids), frozenset(engine.settings.trained_splits)


def in_sample(question: Question, trained: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Whether a figure on ``question`` is in-sample: the index's encoder or answer model was trained on it."""
    ids, splits = trained
    return question.id in ids or question.split in splits


def evaluate(
    engine, questions: list[Question], methods: tuple[str, ...] = ("fused",), by_kind: bool = False, on_progress=None
) -> list[Report]:
    """Run each method once over all questions; report each split present (tune, heldout, …), all, and the questions
    the index learnt from (``in-sample``) apart from the others (``unseen``), see ``trained_on``.

    ``by_kind`` adds one report per question kind over all splits (named ``kind:<kind>``).
    """
    reports = []
    splits = splits_of(questions)
    trained = trained_on(engine)
    seen = {q.id for q in questions if in_sample(q, trained)}
    apart = ("in-sample", "unseen") if seen else ()
    kinds = list(dict.fromkeys(q.kind for q in questions)) if by_kind else []
    for method in methods:
        outcomes = run(engine, questions, method, on_progress)
        for split in splits:
            chosen = [o for o in outcomes if split == "all" or o.question.split == split]
            reports.append(summarise(engine, chosen, method, split))
        for part in apart:
            chosen = [o for o in outcomes if (o.question.id in seen) == (part == "in-sample")]
            if chosen:
                reports.append(summarise(engine, chosen, method, part))
        for kind in kinds:
            reports.append(summarise(engine, [o for o in outcomes if o.question.kind == kind], method, f"kind:{kind}"))
    return reports
