"""Cross-validation by split: tune on all splits but one, score the one left out with and without the tuning."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.artifacts import sentence_texts
from evaluate.run import Question, Report, evaluate
from learn.tune.pairs import pairs as make_pairs
from learn.tune.train import TuneSettings, tune_query_side


@dataclass(frozen=True)
class Fold:
    """One split left out: the untuned and tuned engine's reports on it, and what training took."""

    split: str
    trained_on: int  # pairs
    base: Report
    tuned: Report
    seconds: float
    losses: tuple[float, ...]


def base_engine(index_dir: Path, key: str):
    """The fused engine on PyTorch query encoders (so tuned and untuned differ only in the model), and ``key``'s model."""
    from qa.engine import Engine

    engine = Engine.load(index_dir, backend="torch", threads=None)  # None: training keeps torch's thread count
    if key not in engine.index.models or not hasattr(engine.encoders[key], "model"):
        raise ValueError(f"the index has no sentence-transformers model “{key}”; it holds {', '.join(engine.index.models)}")
    return engine, engine.encoders[key].model


def cross_validate(index_dir: Path, questions: list[Question], key: str, settings: TuneSettings = TuneSettings(), log=print):
    """Leave each split out in turn; return the folds (the engine's recorded profile answers throughout)."""
    from qa.engine import Engine

    engine, model = base_engine(index_dir, key)
    texts = sentence_texts(engine.index.chunks)
    vectors = np.asarray(engine.index.models[key].sentence, dtype=np.float32)
    all_pairs = make_pairs(questions, texts)
    splits = list(dict.fromkeys(q.split for q in questions))
    others = {k: e.model for k, e in engine.encoders.items() if k != key and hasattr(e, "model")}
    folds = []
    for split in splits:
        held = [q for q in questions if q.split == split]
        train = [p for p in all_pairs if p.split != split]
        t0 = time.perf_counter()
        tuned, losses = tune_query_side(copy.deepcopy(model), train, vectors, settings)
        seconds = time.perf_counter() - t0
        tuned_engine = Engine.load(index_dir, backend="torch", threads=None, encoders={**others, key: tuned})
        base = _split_report(engine, held, split)
        after = _split_report(tuned_engine, held, split)
        folds.append(Fold(split, len(train), base, after, seconds, tuple(round(x, 4) for x in losses)))
        log(
            f"{split}: trained on {len(train)} pairs in {seconds:.0f} s; top-1 {base.top1:.3f} → {after.top1:.3f}, "
            f"first sentence {base.sentence:.3f} → {after.sentence:.3f}"
        )
    return folds


def _split_report(engine, questions: list[Question], split: str) -> Report:
    return next(r for r in evaluate(engine, questions) if r.split == split)


def table(folds: list[Fold]) -> str:
    """Per split left out: answerable count, then untuned → tuned top-1, top-3, first and any answer sentence, refusals."""
    rows = ["split        n  top-1         top-3         first sent.   any sent.     refused  OOS abstained  train s"]
    for f in folds:
        b, t = f.base, f.tuned
        cells = [f"{getattr(b, m):.3f}→{getattr(t, m):.3f}" for m in ("top1", "top3", "sentence", "any_sentence")]
        rows.append(
            f"{f.split:<10} {b.n_answerable:>3}  " + "  ".join(cells) + f"  {b.refused:>2}→{t.refused:<2}    "
            f"{b.abstained_out_of_scope:>2}→{t.abstained_out_of_scope:<2}/{b.n_out_of_scope:<3}    {f.seconds:>5.0f}"
        )
    return "\n".join(rows)


def plan(index_dir: Path, questions: list[Question], key: str, settings: TuneSettings):
    """What tuning ``key`` on ``questions`` would be: (record, pairs, index). Reads the index only, loads no model,
    so an earlier identical tuning is found without the cost of one."""
    from core.artifacts import load_index
    from core.spec import SENTENCE_TRANSFORMERS
    from learn.tune.saved import pairs_digest

    index = load_index(index_dir)
    if key not in index.models or index.models[key].spec.kind != SENTENCE_TRANSFORMERS:
        raise ValueError(f"the index has no sentence-transformers model “{key}”; it holds {', '.join(index.models)}")
    texts = sentence_texts(index.chunks)
    train = make_pairs(questions, texts)
    spec = index.models[key].spec
    record = {
        "base": {"key": key, "id": spec.id, "files": dict(spec.files)},
        "side": "query",  # the document vectors of the index stay as built
        "index_version": index.path.name,
        "pairs": len(train),
        "pairs_sha256": pairs_digest(train, texts),
        "settings": settings.to_json(),
        "questions": sorted(p.id for p in train),  # what the encoder was trained on: in-sample for evaluate
    }
    return record, train, index


def train_planned(index, key: str, train: list, record: dict, settings: TuneSettings):
    """Load ``key``'s bundled model and tune its query side on ``train``; returns (model, record with the losses)."""
    vectors = index.models[key]
    model = vectors.spec.document_encoder(vectors.model_dir)  # a fresh copy from the verified files
    tuned, losses = tune_query_side(model, train, np.asarray(vectors.sentence, np.float32), settings)
    return tuned, record | {"losses": [round(x, 4) for x in losses]}


def tune_and_save(index_dir: Path, questions: list[Question], key: str, settings: TuneSettings, folder: Path) -> dict:
    """Tune ``key``'s query side on every pair of ``questions`` and save it with its hashes (learn.tune.saved)."""
    from learn.tune.saved import save

    record, train, index = plan(index_dir, questions, key, settings)
    tuned, record = train_planned(index, key, train, record, settings)
    return save(tuned, folder, record)


def evaluate_saved(index_dir: Path, questions: list[Question], folder: Path) -> list[Report]:
    """Reports per split of the engine answering with a saved tuned query model in place of its base."""
    from learn.tune.saved import load
    from qa.engine import Engine

    tuned, record = load(folder)
    key = record["base"]["key"]
    engine, _ = base_engine(index_dir, key)
    if dict(engine.index.models[key].spec.files) != record["base"]["files"]:
        raise ValueError(f"{folder} was tuned from another “{key}” than the one this index holds")
    others = {k: e.model for k, e in engine.encoders.items() if k != key and hasattr(e, "model")}
    return evaluate(Engine.load(index_dir, backend="torch", threads=None, encoders={**others, key: tuned}), questions)
