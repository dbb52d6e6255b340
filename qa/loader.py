"""Open a published index for answering: the one loader (core.artifacts) plus each model's query encoder and the profile."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from core import fallback, layout
from core.artifacts import IndexData, ModelVectors, load_index
from core.compat import REBUILD, IndexFormatError
from core.profile import ProfileError, Settings
from core.spec import HASH
from qa.shared import file_sha256, shared, spec_identity

log = logging.getLogger("mythqa.qa")
BACKENDS = ("auto", "onnx", "torch")


@dataclass(frozen=True)
class Loaded:
    """A version ready to answer from: its data, one query encoder per model, the settings, and notices."""

    index: IndexData
    encoders: dict  # model key -> query encoder (qa.encode)
    settings: Settings
    notices: tuple[str, ...]


def _onnx(model: ModelVectors, threads: int | None):
    """The model's ONNX query encoder, or (None, why not) so the caller can fall back to PyTorch."""
    from qa.encode import OnnxQueryEncoder

    entry = model.entry.get("query_encoder") or {}
    path = model.path / layout.QUERY_ONNX
    if entry.get("backend") != "onnx":
        return None, entry.get("reason", "the index was built without one")
    for name, field in ((layout.QUERY_ONNX, "sha256"), (layout.QUERY_DATA, "data_sha256")):
        file = model.path / name
        if field in entry and (not file.exists() or file_sha256(file) != entry[field]):
            log.warning("%s is missing or altered; answering with PyTorch instead. `python -m ingest --full` restores it.", file)
            return None, f"{name} is missing or altered"
    spec, threads = model.spec, threads or 1
    key = ("onnx", entry["sha256"], entry.get("data_sha256"), spec_identity(spec), str(model.model_dir), threads)
    try:
        return shared(key, lambda: OnnxQueryEncoder(path, spec, model.model_dir, threads)), ""
    except ImportError:
        return None, "onnxruntime is not installed"
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own types for a file it cannot load
        raise IndexFormatError(
            f"The index in {model.path.parent.parent} is damaged: {path.name} of “{model.spec.key}” cannot be "
            f"loaded ({type(e).__name__}): {REBUILD}."
        ) from None


def query_encoder(model: ModelVectors, backend: str = "auto", threads: int | None = 1, loaded=None):
    """The query encoder for one model of the index: its checked ONNX export, else PyTorch, or the hash embedder.

    Args:
        loaded: an already loaded SentenceTransformer of this very model (tests, the app), used only on PyTorch.
    """
    from qa.encode import HashQueryEncoder, QueryEncoder

    spec = model.spec
    if spec.kind == HASH:
        return shared(("hash", spec_identity(spec)), lambda: HashQueryEncoder(spec))
    query = None
    if backend != "torch":
        query, why = _onnx(model, threads)
        if query is None and backend == "onnx":
            raise IndexFormatError(
                f"The index in {model.path.parent.parent} has no usable ONNX query encoder for “{spec.key}” ({why}): {REBUILD}."
            )
    if query is None:
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        if loaded is not None:  # the caller's own model (a tuned one, the app's): it decides what is shared
            return QueryEncoder(loaded, spec, model.model_dir)
        # spec.model_dir() checked the files against the spec's pinned hashes: same spec, same model
        key = ("torch", spec_identity(spec), str(model.model_dir))
        query = shared(key, lambda: QueryEncoder(spec.document_encoder(model.model_dir), spec, model.model_dir))
    return query


def _check_exports(models: dict[str, ModelVectors]) -> None:
    """Hash every model's ONNX export at once, on threads (hashlib lets go of the GIL), while this thread loads the spaCy
    pipeline the first question needs: a cold start pays the longest of them, not their sum. The digests are kept
    (qa.shared.file_sha256) for ``_onnx``, which still refuses an export that does not match its manifest entry."""
    from concurrent.futures import ThreadPoolExecutor

    from core import nlp
    from core.model import ModelError

    held = [m.path for m in models.values() if (m.entry.get("query_encoder") or {}).get("backend") == "onnx"]
    paths = [folder / name for folder in held for name in (layout.QUERY_DATA, layout.QUERY_ONNX)]
    with ThreadPoolExecutor(max_workers=max(1, len(paths))) as pool:
        hashing = [pool.submit(file_sha256, p) for p in paths if p.exists()]
        try:
            nlp.load()
        except ModelError:
            pass  # said to whoever asks the first question, as without this head start
        for done in hashing:
            done.exception()  # an unreadable file is reported by ``_onnx``, which hashes it again


def open_index(
    index_dir: Path,
    settings: Settings | None = None,
    threads: int | None = 1,
    backend: str = "auto",
    models=None,
    encoders=None,
    version: str | None = None,
) -> Loaded:
    """Load the published version with query encoders for its usable models and the settings to answer with.

    Args:
        index_dir: an index folder written by ``python -m ingest``.
        settings: scorer weights and thresholds (default: the profile recorded in the index).
        threads: intra-op threads for one query; 1 measured fastest and steadiest for one short query
            on the shared 2-core machine (None leaves torch's setting alone).
        backend: "auto" (each model's checked ONNX export when usable, else PyTorch), "onnx" or "torch".
        models: keys of the index's models to answer with (default: all usable here).
        encoders: already loaded SentenceTransformers by model key (tests, the app); used only on PyTorch.
        version: a kept earlier version to load instead of the published one (evaluators compare versions).

    Raises:
        layout.IndexMissing: nothing is published there.
        IndexFormatError: format, files, models or the recorded profile cannot be used here, or ``backend="onnx"``
            cannot be honoured; re-run ingestion.
        core.model.ModelError: a model's files are missing or altered.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose {', '.join(BACKENDS)}")
    index = load_index(Path(index_dir), models, version=version)
    if settings is None:
        try:
            settings = Settings.from_json(index.manifest.get("profile", {}))
        except ProfileError as e:
            raise IndexFormatError(f"The settings profile of the index in {index.path} is unusable ({e}): {REBUILD}.") from e
    _check_exports(index.models)
    encs = {}
    for key, model in index.models.items():
        mine = settings.query_threads.get(key, threads) if threads is not None else None
        encs[key] = query_encoder(model, backend, mine, (encoders or {}).get(key))
        if len(encs[key].embed("dimension check")) != model.spec.dimension:
            raise IndexFormatError(f"The model “{key}” gives vectors of another dimension than the index in {index.path}: {REBUILD}.")
    notices = list(index.notices)
    stand_in = fallback.current(index_dir) if version is None else None  # CURRENT was damaged: say what answers instead
    if stand_in is not None and stand_in.version == index.version:
        notices.append(stand_in.message)
    for key, model in index.models.items():
        tuned = (model.entry.get("query_encoder") or {}).get("tuned")
        if tuned and getattr(encs[key], "backend", "") != "onnx" and key not in (encoders or {}):
            notices.append(f"The tuned query encoder of “{key}” cannot be used here; questions are embedded with the base model.")
    weighted = [k for k, w in settings.model_weights.items() if w]
    missing = [k for k in weighted if k not in index.models]
    # Worth saying only when the profile meant several models and some are here (an index built before a model
    # was added, or a model not installed here); a profile for other models entirely falls back silently.
    if missing and any(k in index.models for k in weighted):
        notices.append(
            f"The settings weight model {', '.join(missing)}, which this index cannot use here; answering with {', '.join(index.models)}."
        )
    return Loaded(index, encs, settings, tuple(notices))


def model_weights(profile: dict, held: tuple[str, ...]) -> dict[str, float]:
    """The dense weight of each model held here. When the profile weights a model this index lacks, the others are
    scaled to sum to 1, the scale every fusion weight was tuned on; when it weights none, the first model answers alone."""
    weights = {k: float(profile.get(k, 0.0)) for k in held if profile.get(k)}
    if not weights:
        return {held[0]: 1.0}
    if any(w and k not in held for k, w in profile.items()):
        total = sum(weights.values())
        weights = {k: w / total for k, w in weights.items()}
    return weights
