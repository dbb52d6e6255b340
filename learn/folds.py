"""The query encoder of each fold: mpnet's query side tuned on every development myth's questions but one."""

from __future__ import annotations

from pathlib import Path

from evaluate.run import Question
from learn.tune.train import TuneSettings

KEY = "mpnet"  # the model whose query side learn.tune tunes


def fold_encoder(all_index: Path, questions: list[Question], root: Path, settings: TuneSettings = TuneSettings(), log=print) -> Path | None:
    """The checked ONNX export of mpnet's query side tuned on ``questions`` (their gold found in ``all_index``, which
    holds every development text); trained once, then kept under ``root`` by what it was trained on (learn.tune.publish;
    not in the export cache, which ingestion prunes to what published versions link). None when the index has no mpnet."""
    from learn.tune.cross import plan, train_planned
    from learn.tune.publish import cached_export, export_tuned

    try:
        record, train, index = plan(all_index, questions, KEY, settings)
    except ValueError:
        return None
    onnx = cached_export(record, root)
    if onnx is None:
        log(f"Tuning the {KEY} query encoder on {record['pairs']} pairs …")
        tuned, record = train_planned(index, KEY, train, record, settings)
        onnx = export_tuned(tuned, index.models[KEY].spec, index.models[KEY].model_dir, record, root)
    return onnx


def with_settings(engine, settings):
    """The same loaded index and encoders answering with other ``settings``."""
    return type(engine)(engine.index, engine.encoders, settings, engine.notices)


def engine_with(index_dir: Path, onnx: Path | None, settings=None):
    """The engine of ``index_dir`` answering with ``onnx`` as mpnet's query encoder (its base encoder when None) and
    ``settings`` (default: the index's profile)."""
    from qa.encode import OnnxQueryEncoder
    from qa.engine import Engine
    from qa.loader import open_index

    loaded = open_index(index_dir, settings)
    encoders = dict(loaded.encoders)
    if onnx is not None and KEY in loaded.index.models:
        model = loaded.index.models[KEY]
        encoders[KEY] = OnnxQueryEncoder(onnx, model.spec, model.model_dir, loaded.settings.query_threads.get(KEY, 1))
    return Engine(loaded.index, encoders, loaded.settings, loaded.notices)
