"""Decide what a run must do: compare the corpus with the published manifest, file by file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core import layout
from core.lexical import LEXICAL_SETTINGS
from core.model import max_seq_length
from core.types import MythInfo
from ingest.chunk import SPLITTER
from ingest.load import SourceFile

SENTENCE_TEXT = "sentence"  # sentences are embedded bare; chunks carry the myth/section context


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
    query_encoder: str = ""  # how queries will be embedded, e.g. "onnx" or "torch (onnxruntime is not installed)"
    exit_code: int = 0


def settings_for(model_dir: Path) -> dict:
    return {"max_tokens": max_seq_length(model_dir), "splitter": SPLITTER, "sentence_text": SENTENCE_TEXT}


def compatible(prev: dict, hashes: dict, settings: dict) -> bool:
    return (
        prev.get("format_version") == layout.FORMAT_VERSION
        and prev.get("model", {}).get("sha256") == hashes
        and prev.get("chunking") == settings
        and prev.get("lexical") == LEXICAL_SETTINGS
    )


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
