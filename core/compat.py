"""The one compatibility check between a manifest and this machine, used by ingestion, the read path and the app."""

from __future__ import annotations

from collections.abc import Mapping

from core import spec, versions
from core.errors import MythQAError

REBUILD = "re-run `python -m ingest --full`"


class IndexFormatError(MythQAError, RuntimeError):
    """The index cannot be read here: another format version, damaged files, or no model it names is usable."""

    code = "index-damaged"
    remedy = REBUILD


def check_format(manifest, where) -> None:
    """Raise IndexFormatError unless ``manifest`` is an object of this program's format version."""
    if not isinstance(manifest, Mapping):
        raise IndexFormatError(f"The index in {where} has no readable manifest: {REBUILD}.")
    found = manifest.get("format_version")
    if found != versions.FORMAT_VERSION:
        raise IndexFormatError(
            f"The index in {where} has format version {found}, this program reads version {versions.FORMAT_VERSION}: {REBUILD}."
        )
    if not isinstance(manifest.get("models"), Mapping) or not manifest["models"]:
        raise IndexFormatError(f"The index in {where} lists no models: {REBUILD}.")


def model_problem(key: str, entry) -> str:
    """Why the model ``key`` recorded with ``entry`` cannot be used here ("" when its registered spec matches)."""
    known = spec.REGISTRY.get(key)
    if known is None:
        return f"model “{key}” is not known here"
    return known.mismatch(entry.get("spec") if isinstance(entry, Mapping) else None)


def usable_models(manifest: Mapping, wanted=None) -> tuple[dict[str, spec.ModelSpec], list[str]]:
    """The specs of the manifest's models that can be used here (in manifest order), and why others cannot."""
    out, notes = {}, []
    for key, entry in manifest["models"].items():
        if wanted is not None and key not in wanted:
            continue
        why = model_problem(key, entry)
        if why:
            notes.append(why)
        else:
            out[key] = spec.REGISTRY[key]
    return out, notes


def shared_reusable(prev: Mapping | None, chunking: Mapping, lexical: Mapping) -> bool:
    """Whether a previous version's chunks and lexical indexes can be reused by a build with these settings."""
    return (
        isinstance(prev, Mapping)
        and prev.get("format_version") == versions.FORMAT_VERSION
        and prev.get("chunking") == chunking
        and prev.get("lexical") == lexical
        and isinstance(prev.get("models"), Mapping)
    )
