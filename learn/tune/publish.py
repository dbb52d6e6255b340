"""Publish a tuned query encoder: a new index version sharing every artifact but one model's ONNX query encoder.

The tuned model is a derived artifact: its ONNX export is checked against the tuned PyTorch model, hashed into the
manifest with the record of what it was tuned from and on (``query_encoder.tuned``), and cached by that record so
a second machine state with the same inputs does not train again. The bundled model files are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core import layout
from core.compat import IndexFormatError

TUNED_CACHE = layout.TUNED_CACHE  # beside layout.EXPORT_CACHE in the cache folder; pruned by layout.cleanup
TOLERANCE = 1e-4  # as core.onnx_export: the export must give the tuned model's vectors


def cache_key(record: dict) -> str:
    """What a tuned export depends on: base model files, training pairs and settings (not the index version)."""
    import torch

    blob = {k: record[k] for k in ("base", "pairs_sha256", "settings", "side")} | {"torch": torch.__version__}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]


def cached_export(record: dict, root: Path | None = None) -> Path | None:
    """The checked export of an earlier identical tuning, or None; ``root``: where exports are kept (default: the cache
    that publishing links versions from, which ingestion prunes)."""
    from core.onnx_export import intact, upgraded

    folder = (root or layout.cache_dir() / TUNED_CACHE) / cache_key(record)
    if (folder / layout.QUERY_ONNX).is_file():
        try:
            with layout.file_lock(folder / layout.LOCK):
                upgraded(folder)  # tuned before the weights moved beside the graph: kept, not trained again
        except OSError:
            return None
    meta = _read(folder / "query_encoder.json")
    path = folder / layout.QUERY_ONNX
    return path if meta.get("data_sha256") and intact(path, meta) else None


def export_tuned(model, spec, model_dir: Path, record: dict, root: Path | None = None) -> Path:
    """Export ``model`` to ONNX in the cache (or under ``root``), check it against PyTorch, and return its path."""
    from core.onnx_export import export, externalize, max_difference

    folder = (root or layout.cache_dir() / TUNED_CACHE) / cache_key(record)
    folder.mkdir(parents=True, exist_ok=True)
    # Under the folder's lock, with temporary names layout.clean_export_cache removes when a run was killed.
    with layout.file_lock(folder / layout.LOCK):
        tmp = folder / f"{layout.CACHE_TEMP}onnx.{os.getpid()}"
        try:
            export(model, tmp, spec.token_type_ids)
            diff = max_difference(model, model_dir, tmp, spec.token_type_ids)
            if diff > TOLERANCE:
                raise IndexFormatError(f"the tuned ONNX export differs from PyTorch by {diff:.2g}; the index is unchanged")
            digests = externalize(tmp, folder)  # its weights beside it, mapped into memory when loaded
        finally:
            tmp.unlink(missing_ok=True)
        meta_tmp = folder / f"{layout.CACHE_TEMP}json.{os.getpid()}"
        layout.write_json(meta_tmp, digests | {"max_abs_diff": diff})
        os.replace(meta_tmp, folder / "query_encoder.json")  # whole or absent
    return folder / layout.QUERY_ONNX


def publish_tuned(index_dir: Path, key: str, onnx: Path, record: dict) -> str:
    """Publish a version equal to the current one except ``key``'s query encoder (``onnx``); returns its name.

    It goes through ingest.publish.derive, the write side's one way to derive a version from the published one.
    """
    from ingest.publish import derive

    rel, data = (f"{layout.MODELS}/{key}/{name}" for name in (layout.QUERY_ONNX, layout.QUERY_DATA))

    def say_tuned(manifest: dict) -> None:
        entry = manifest["models"][key]
        base = {k: v for k, v in (entry.get("query_encoder") or {}).items() if k != "tuned"}
        files = {"sha256": manifest["artifacts"][rel], "data": layout.QUERY_DATA, "data_sha256": manifest["artifacts"][data]}
        entry["query_encoder"] = base | {"backend": "onnx", "file": layout.QUERY_ONNX, **files, "tuned": record}

    # export_tuned writes the graph and its weights side by side (core.onnx_export.externalize)
    return derive(index_dir, {rel: onnx, data: onnx.parent / layout.QUERY_DATA}, say_tuned)


def tune_and_publish(index_dir: Path, questions, key: str, settings, log=print, anyway: bool = False, gate=None) -> str:
    """Publish ``key``'s query encoder tuned on ``questions`` if it answers at least as well as the published one on the
    questions neither was tuned on (learn.tune.gate): nothing to do when the published one is that tuning, no training
    when an identical one is cached. Returns what was done, in words, with both versions' figures.

    Args:
        questions: the training questions; those of ``gate.splits`` are kept out of training for the gate.
        anyway: publish a candidate the gate refuses (its figures are still printed).
        gate: learn.tune.gate.GateSettings (default: its defaults).

    Raises:
        learn.tune.gate.Refused: the candidate answers worse; the message holds both versions' figures.
    """
    from learn.tune.cross import plan, train_planned
    from learn.tune.gate import GateSettings, Refused, judge

    gate = gate or GateSettings()
    train_on = [q for q in questions if q.split not in gate.splits]
    record, train, index = plan(index_dir, train_on, key, settings)
    published = published_record(index_dir, key)
    if published and all(published.get(k) == record[k] for k in ("base", "pairs_sha256", "settings", "side", "questions")):
        return f"The published query encoder of {key} is already tuned on these {record['pairs']} pairs; nothing to do."
    layout.clean_export_cache(layout.cache_dir() / TUNED_CACHE)  # what a killed tuning run left half-written
    onnx = cached_export(record)
    if onnx is None:
        log(f"Tuning the {key} query encoder on {record['pairs']} question → sentence pairs (a few minutes on CPU, once)…")
        tuned, record = train_planned(index, key, train, record, settings)
        onnx = export_tuned(tuned, index.models[key].spec, index.models[key].model_dir, record)
    # The first tuning is judged too, against the base encoder (tuned on nothing): votes accepted into the question set
    # must never reach a published version unchecked, a fresh index's first `make index` included.
    log("Scoring the candidate and the published version on the questions neither was tuned on…")
    from evaluate.run import SEALED

    scored = [q for q in questions if q.split not in SEALED]  # a sealed split is scored once, on the record, never here
    verdict = judge(index_dir, key, onnx, scored, (published or {}).get("questions") or (), record["questions"], gate)
    if not verdict.publish and not anyway:
        raise Refused(f"{verdict.table()}\nNothing was published; the published version answers as before.")
    why = "it answers worse" if verdict.candidate is not None else "it could not be compared"
    said = verdict.table() + ("" if verdict.publish else f"\nPublished anyway (--publish-anyway), although {why}.")
    version = publish_tuned(index_dir, key, onnx, record)
    return f"Published index version {version} with the {key} query encoder tuned on {record['pairs']} pairs.\n{said}"


def published_record(index_dir: Path, key: str) -> dict | None:
    """The tuning record of ``key``'s published query encoder, or None when it is the base model's."""
    entry = layout.read_manifest(layout.resolve(index_dir))["models"].get(key) or {}
    return (entry.get("query_encoder") or {}).get("tuned")


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
