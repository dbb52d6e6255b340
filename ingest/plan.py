"""Decide what a run must do: compare the corpus with the published manifest, file by file."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.types import MythInfo
from ingest.annotate import RECIPE
from ingest.chunk import SPLITTER
from ingest.load import SourceFile


@dataclass(frozen=True)
class FileReport:
    source: str
    status: str  # added | changed | unchanged | removed | skipped
    reason: str = ""
    chunks: int = 0
    sentences: int = 0


@dataclass
class BuildReport:
    """What a run did, for the CLI report, the UI and tests."""

    files: list[FileReport] = field(default_factory=list)
    myths: list[MythInfo] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0
    model_loaded: bool = False
    published: str | None = None
    dry_run: bool = False
    message: str = ""
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    models: list[str] = field(default_factory=list)  # keys of the models the published version holds
    warnings: list[str] = field(default_factory=list)  # e.g. a default model that is not installed here
    query_encoder: str = ""  # how queries will be embedded, e.g. "onnx" or "torch (onnxruntime is not installed)"
    exit_code: int = 0


def chunking_for(specs, profile) -> dict:
    """The chunk settings a build uses and records: the profile's size, never over any model's window, counted
    with the first model's tokenizer."""
    first = specs[0]
    return {
        "max_tokens": min([profile.chunk_tokens] + [s.window for s in specs]),
        "splitter": SPLITTER,
        "tokenizer": first.id,
        "annotator": RECIPE,  # other entity annotations mean new chunks
    }


def plan_files(found: list[SourceFile], prev_files: dict) -> dict[str, tuple[str, str]]:
    plan = {}
    for sf in found:
        old = prev_files.get(sf.source)
        if sf.skip:
            same = old is not None and old.get("skip") == sf.skip
            plan[sf.source] = ("unchanged" if same else "skipped", sf.skip)
        elif old is None:
            plan[sf.source] = ("added", "")
        elif old["sha256"] != sf.sha256:
            plan[sf.source] = ("changed", "")
        else:
            plan[sf.source] = ("unchanged", old.get("skip", ""))
    return plan


def myth_to_json(m: MythInfo) -> dict:
    return {
        "myth": m.myth,
        "title": m.title,
        "author": m.author,
        "affiliation": m.affiliation,
        "source": m.source,
        "missing_sections": list(m.missing_sections),
    }


def myth_from_json(m: dict) -> MythInfo:
    return MythInfo(**{**m, "missing_sections": tuple(m["missing_sections"])})
