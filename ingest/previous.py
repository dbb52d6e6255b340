"""What an incremental build reuses from the previously published version: chunks, texts and each model's vectors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import layout, spec
from core.artifacts import read_chunks, read_documents, read_model_vectors
from core.profile import DEFAULT, Settings
from core.types import Chunk, Document


@dataclass(frozen=True)
class Piece:
    """One source file's share of an index; ``vectors`` maps a model key to its vectors by kind, once embedded."""

    doc: Document
    chunks: list[Chunk]
    vectors: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def sentence_count(self) -> int:
        return sum(len(c.sentences) for c in self.chunks)


class Previous:
    """Read access to a published version, by source file, with the vectors of the models that may be reused."""

    def __init__(self, version_dir: Path | None, models: Iterable[str] = ()):
        self.docs: dict[str, Document] = {}
        self._rows: dict[str, list[int]] = {}
        self._vectors: dict[str, dict[str, np.ndarray]] = {}
        if version_dir is None:
            return
        self._chunks = read_chunks(version_dir)
        self._vectors = {key: read_model_vectors(layout.model_path(version_dir, key), spec.get(key).recipes) for key in models}
        self.docs = {d.source: d for d in read_documents(version_dir)}
        for i, c in enumerate(self._chunks):
            self._rows.setdefault(c.source, []).append(i)
        self._sent_start = np.cumsum([0] + [len(c.sentences) for c in self._chunks])

    def take(self, source: str) -> Piece | None:
        """The stored piece of ``source`` with the reusable models' vectors, or None when it has none."""
        rows = self._rows.get(source)
        if not rows or source not in self.docs:
            return None
        srows = [j for i in rows for j in range(self._sent_start[i], self._sent_start[i + 1])]
        vectors = {
            key: {kind: vec[srows] if kind == "sentence" else vec[rows] for kind, vec in v.items()} for key, v in self._vectors.items()
        }
        return Piece(self.docs[source], [self._chunks[i] for i in rows], vectors)


def published_dir(index: Path) -> Path | None:
    """The published version, or None when there is none or the pointer is damaged (the new build replaces it)."""
    try:
        return layout.resolve(index)
    except (layout.IndexMissing, layout.IndexPointerError):
        return None


def read_published(prev_dir: Path | None) -> dict | None:
    if prev_dir is None:
        return None
    try:
        return layout.read_manifest(prev_dir)
    except (OSError, ValueError):
        return None  # unreadable: build from scratch, the old version is left as it is


def damage(index: Path, prev_dir: Path | None, prev: dict | None, report) -> bool:
    """Whether the published index is damaged (an unresolvable pointer, an unreadable manifest, or a failed full
    check); ``report`` gets a warning saying what and that everything is rebuilt."""
    if prev_dir is None:
        if (Path(index) / layout.POINTER).exists():
            report.warnings.append("the published pointer (CURRENT) is damaged; everything is rebuilt")
            return True
        return False
    if prev is None:
        report.warnings.append(f"the published version {prev_dir.name} cannot be read (its manifest is damaged); everything is rebuilt")
        return True
    return not intact(prev_dir, prev, report)


def lost_tuning(prev: dict | None, new: dict) -> list[str]:
    """Warnings for tuned query encoders (learn.tune) the damaged version held and the new one does not, with the remedy."""
    tuned_before = {
        k for k, e in ((prev or {}).get("models") or {}).items() if isinstance(e, dict) and (e.get("query_encoder") or {}).get("tuned")
    }
    tuned_now = {k for k, e in new["models"].items() if (e.get("query_encoder") or {}).get("tuned")}
    restore = "run `python -m learn.tune --publish` (`make index` does; a cached tuning takes seconds) to restore it"
    if prev is None:
        return [f"if the damaged version's query encoder was tuned, answers now use the base model: {restore}"]
    return [
        f"answers now use the base {k} query encoder (the tuned one could not be carried over): {restore}"
        for k in sorted(tuned_before - tuned_now)
    ]


def intact(prev_dir: Path, prev: dict, report) -> bool:
    """Whether the published version passes the full hash check (its chunks are then exactly as published); nothing
    is copied from one that does not, and ``report`` gets a warning saying so."""
    from core.compat import IndexFormatError
    from core.verify import verify_files

    try:
        onnx = layout.query_files(prev.get("models") or {})  # checked when reused
        verify_files(prev_dir, prev, full=True, skip=onnx)
        return True
    except (IndexFormatError, OSError, ValueError, KeyError, TypeError) as e:
        report.warnings.append(f"the published index failed its check ({e}); everything is rebuilt")
        return False


def published_profile(prev: dict | None) -> Settings:
    """The published profile, unless it is the program's default: that one follows the program (a newer release's
    defaults reach an existing index on its next run); a calibrated or hand-made profile is kept."""
    try:
        kept = Settings.from_json(prev["profile"]) if prev and "profile" in prev else DEFAULT
    except ValueError:
        return DEFAULT
    return DEFAULT if kept.name == DEFAULT.name else kept
