"""Export the query encoder to ONNX once per model, check it against PyTorch, and place it in a new index version."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core import versions
from core.model import sha256_file
from core.versions import cache_dir

# Texts of the kinds the read path embeds: short questions, a long one (truncated), other scripts.
PROBES = (
    "Who promotes the myth?",
    "Why is it wrong that Russia and China are forming a military alliance against the West?",
    "What should NATO do? " * 60,
    "Что такое миф? 中国和俄罗斯 😀",
    "1999–2024, 4.5%, SWP",
)
TOLERANCE = 1e-4  # largest allowed difference to the PyTorch vector, per component (seen: ~2e-7)
OPSET = 17


def unsupported(model) -> str:
    """Why this model cannot be served by the ONNX query encoder ("" when it can)."""
    try:
        mods = list(model)
    except TypeError:
        return f"{type(model).__name__} is not a SentenceTransformer"
    names = [type(m).__name__ for m in mods]
    if names[:2] != ["Transformer", "Pooling"] or any(n != "Normalize" for n in names[2:]) or len(names) != 3:
        return f"module layout {names} is not Transformer, Pooling, Normalize"
    mode = mods[1].get_config_dict().get("pooling_mode")
    if mode != "mean":
        return f"pooling {mode!r} is not mean pooling"
    return ""


def export(model, path: Path, token_type_ids: bool = True) -> None:
    """Write the model's transformer (token embeddings out) as ONNX, with dynamic batch and sequence axes.

    ``token_type_ids``: whether the transformer takes segment ids (BERT does, MPNet does not).
    """
    import torch

    bert = model[0].auto_model.eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert  # a registered submodule, so its weights export as initialisers

        def forward(self, input_ids, attention_mask, *segments):
            extra = {"token_type_ids": segments[0]} if segments else {}
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

    feats = model.tokenizer(["an example sentence"], return_tensors="pt")
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_type_ids else [])
    axes = {n: {0: "batch", 1: "seq"} for n in names} | {"last_hidden_state": {0: "batch", 1: "seq"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow in the attention mask code
        torch.onnx.export(
            TokenEmbeddings(),
            tuple(feats[n] for n in names),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def max_difference(model, model_dir: Path, path: Path, token_type_ids: bool = True) -> float:
    """Largest per-component difference between the ONNX and the PyTorch vectors of the probe texts."""
    from core.onnx_model import OnnxEmbedder

    onnx = OnnxEmbedder(path, model_dir, int(model.max_seq_length), token_type_ids=token_type_ids)
    ref = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return float(max(np.abs(onnx.embed(t) - r).max() for t, r in zip(PROBES, ref, strict=True)))


def _key(hashes: dict) -> str:
    import torch

    blob = json.dumps({"model": hashes, "torch": torch.__version__, "opset": OPSET}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def externalize(single: Path, folder: Path) -> dict:
    """Write the checked one-file export ``single`` as ``folder``/QUERY_ONNX with its weights in QUERY_DATA beside it;
    returns their hashes as the manifest records them (``sha256``, ``data``, ``data_sha256``).

    onnxruntime maps an external-data file into memory instead of copying it into the session: mpnet's session opens in
    0.4 s instead of 1.0 s, and processes answering from one index share those pages. The files are written in a temporary
    folder and renamed into place, the weights first: a file other versions hard-link is never rewritten in place.
    """
    import onnx

    work = folder / f"{versions.CACHE_TEMP}dir.{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        graph = onnx.load(str(single))
        # size_threshold=0: every weight goes to the data file, so the graph file stays a few hundred KB
        onnx.save_model(graph, str(work / versions.QUERY_ONNX), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=versions.QUERY_DATA, size_threshold=0)  # fmt: skip
        # onnx writes the weights file owner-only; it gets the graph file's mode, so every reader of the index can map it
        os.chmod(work / versions.QUERY_DATA, (work / versions.QUERY_ONNX).stat().st_mode & 0o777)
        digests = {"sha256": sha256_file(work / versions.QUERY_ONNX), "data": versions.QUERY_DATA}
        digests["data_sha256"] = sha256_file(work / versions.QUERY_DATA)
        os.replace(work / versions.QUERY_DATA, folder / versions.QUERY_DATA)
        os.replace(work / versions.QUERY_ONNX, folder / versions.QUERY_ONNX)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return digests


def link_export(src: Path, dst: Path) -> None:
    """Hard-link the export in folder ``src`` (its graph file and, when it has one, its weights file) into folder ``dst``."""
    for name in (versions.QUERY_DATA, versions.QUERY_ONNX):
        if (src / name).exists():
            _link(src / name, dst / name)


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # the export is ~90 MB: share it between versions instead of copying
    except OSError:
        shutil.copy2(src, dst)


def intact(path: Path | None, entry: dict) -> bool:
    """Whether the export at ``path`` (its graph file) and its weights file, when the entry records one, match ``entry``."""
    if path is None or not path.exists() or sha256_file(path) != entry.get("sha256"):
        return False
    data = entry.get("data_sha256")
    return data is None or ((path.parent / versions.QUERY_DATA).exists() and sha256_file(path.parent / versions.QUERY_DATA) == data)


def place(build_dir: Path, spec, model_dir: Path | None, get_model: Callable, previous: tuple[dict, Path] | None) -> dict:
    """Put a checked ONNX query encoder into ``build_dir`` (a model's folder); return the manifest's ``query_encoder`` entry.

    Reuses, in order: the previous version's file (same model), the export cache, a new export. Falls
    back to ``{"backend": "torch", "reason": …}`` when onnxruntime is missing, the model's layout is not
    supported or the export differs from PyTorch by more than TOLERANCE. File-less kinds embed queries
    themselves (``{"backend": kind}``).

    Args:
        previous: the previous version's entry for this model and its folder, when its spec matches.
    """
    if spec.kind != "sentence-transformers":
        return {"backend": spec.kind}
    try:
        import onnxruntime  # noqa: F401 - only whether it imports, here
    except ImportError:
        return {"backend": "torch", "reason": "onnxruntime is not installed"}
    hashes = dict(spec.files)
    old = (previous[0].get("query_encoder") or {}) if previous else {}
    prev_file = Path(previous[1]) / versions.QUERY_ONNX if previous else None
    if old.get("backend") == "onnx" and old.get("model_sha256") == hashes and old.get("data_sha256") and intact(prev_file, old):
        link_export(prev_file.parent, build_dir)
        return old
    cached = cache_dir() / versions.EXPORT_CACHE / _key(hashes)
    meta = _cached(cached, build_dir)
    if meta:
        return meta
    with contextlib.ExitStack() as stack:
        try:
            cached.mkdir(parents=True, exist_ok=True)
            # One export per cache folder at a time; layout.clean_export_cache leaves a held folder alone.
            stack.enter_context(versions.file_lock(cached / versions.LOCK))
            work = cached
        except OSError:
            work = build_dir  # no usable cache (a read-only home, say): export straight into the new version
        if work is cached:
            upgraded(cached)  # an export cached as one file, before the weights moved beside the graph
            meta = _cached(cached, build_dir)  # or another run exported it while we waited
            if meta:
                return meta
        model = get_model()
        why = unsupported(model)
        return {"backend": "torch", "reason": why} if why else _export_checked(model, spec, model_dir, work, build_dir, cached)


def upgraded(folder: Path) -> dict:
    """The record of the export cached in ``folder``, its weights first moved beside its graph when it was cached as one
    file (before ``externalize``): an index built before keeps its tuning and its export, with nothing trained or exported
    again. The caller holds the folder's lock; an export that does not match its record is left for a new one."""
    record = folder / "query_encoder.json"
    meta = _read_json(record)
    if not meta.get("sha256") or meta.get("data_sha256") or not intact(folder / versions.QUERY_ONNX, meta):
        return meta
    try:
        meta = meta | externalize(folder / versions.QUERY_ONNX, folder)  # read whole before the new graph replaces it
        tmp = folder / f"{versions.CACHE_TEMP}json.{os.getpid()}"
        versions.write_json(tmp, meta)
        os.replace(tmp, record)
    except OSError:
        return {}  # a full disk, say: exported or tuned again, as without a cache
    return meta


def _cached(cached: Path, build_dir: Path) -> dict:
    """Link a checked export from the cache into ``build_dir`` and return its record ({} when there is none)."""
    meta = _read_json(cached / "query_encoder.json")
    if meta.get("backend") == "onnx" and meta.get("data_sha256") and intact(cached / versions.QUERY_ONNX, meta):
        link_export(cached, build_dir)
        return meta
    return {}


def _export_checked(model, spec, model_dir, work: Path, build_dir: Path, cached: Path) -> dict:
    import onnxruntime

    hashes, tt = dict(spec.files), spec.token_type_ids
    # versions.CACHE_TEMP names these half-written files, so a run killed mid-export leaves nothing the next keeps
    tmp = work / f".{versions.QUERY_ONNX}.{os.getpid()}"
    try:
        export(model, tmp, tt)
        diff = max_difference(model, model_dir, tmp, tt)
    except Exception as e:  # noqa: BLE001 - an export problem must not cost the editor the build
        tmp.unlink(missing_ok=True)
        return {"backend": "torch", "reason": f"the ONNX export failed: {type(e).__name__}: {e}"}
    if diff > TOLERANCE:
        tmp.unlink()
        return {"backend": "torch", "reason": f"the ONNX export differs from PyTorch by {diff:.2g} (> {TOLERANCE})"}
    try:
        digests = externalize(tmp, work)
    finally:
        tmp.unlink(missing_ok=True)
    meta = {
        "backend": "onnx",
        "file": versions.QUERY_ONNX,
        **digests,
        "model_sha256": hashes,
        "opset": OPSET,
        "max_abs_diff": diff,
        "checked_with": {"onnxruntime": onnxruntime.__version__},
    }
    if work is build_dir:
        return meta
    meta_tmp = cached / f".query_encoder.json.{os.getpid()}"
    try:
        versions.write_json(meta_tmp, meta)
        os.replace(meta_tmp, cached / "query_encoder.json")  # whole or absent: never a half-written record
    except OSError:
        meta_tmp.unlink(missing_ok=True)  # the next build exports again; this one is complete
    link_export(cached, build_dir)
    return meta


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # missing or damaged: export again


def prune_tuned_cache(root: Path | None = None, spares: int = versions.TUNED_SPARES) -> list[str]:
    """Remove tuned exports no index version uses, but the ``spares`` newest; returns the folders removed.

    A version hard-links the export it answers with (learn.tune.publish), so an export whose file has one link only is
    held by the cache alone; removing it frees its space (a 420 MB mpnet export each) and no version loses anything.
    Folders an export is being written in (their lock held) are left alone.
    """
    root = cache_dir() / versions.TUNED_CACHE if root is None else Path(root)
    unused = []
    try:
        for folder in root.iterdir():
            try:
                st = (folder / versions.QUERY_ONNX).stat()
            except OSError:
                continue  # no finished export (being written, or not ours)
            if st.st_nlink == 1:
                unused.append((st.st_mtime, folder))
    except OSError:
        return []
    removed = []
    for _, folder in sorted(unused, reverse=True)[spares:]:
        try:
            with versions.file_lock(folder / versions.LOCK, blocking=False) as taken:
                if taken:
                    for p in folder.iterdir():
                        if p.name != versions.LOCK:
                            p.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
        except OSError:
            continue  # a cache that is not ours to clean never stops a run
    return removed
