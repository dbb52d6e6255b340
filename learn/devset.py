"""The development myths (eval/dev/myths.json) and the indexes they are scored on: each beside the shipped text."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "eval" / "dev" / "myths.json"
ALL = "all"  # the index holding every development text: encoders are tuned against its sentences


@dataclass(frozen=True)
class DevMyth:
    myth: int
    text: Path
    questions: Path
    claims: Path | None


@dataclass(frozen=True)
class DevSet:
    base: int  # the shipped myth every other one is indexed beside
    myths: tuple[DevMyth, ...]

    def get(self, myth: int) -> DevMyth:
        return next(m for m in self.myths if m.myth == myth)


def read(path: Path = MANIFEST) -> DevSet:
    """Read the manifest; paths are relative to the repository.

    Raises:
        BadInput: the manifest is unreadable, names a file that is missing, or lacks its base myth.
    """
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        myths = tuple(
            DevMyth(int(m["myth"]), ROOT / m["text"], ROOT / m["questions"], ROOT / m["claims"] if m.get("claims") else None)
            for m in d["myths"]
        )
        base = int(d["base"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BadInput(f"cannot read the development myths from {path}: {e}") from None
    missing = [str(p) for m in myths for p in (m.text, m.questions, m.claims) if p is not None and not p.is_file()]
    if missing:
        raise BadInput(f"{path} names files that are missing: {', '.join(missing)}")
    if base not in {m.myth for m in myths}:
        raise BadInput(f"{path}: the base myth {base} is not among its myths")
    return DevSet(base, myths)


def corpus_of(dev: DevSet, key: int | str) -> list[Path]:
    """The texts of one scoring index: the base myth alone, a myth beside it, or every text (``ALL``)."""
    if key == ALL:
        return [m.text for m in dev.myths]
    return list(dict.fromkeys([dev.get(dev.base).text, dev.get(int(key)).text]))


def build(dev: DevSet, key: int | str, work: Path, log=print) -> Path:
    """The index of ``corpus_of(dev, key)`` under ``work``, brought up to date by ingestion (nothing to do, in about a
    second, when neither the texts nor the annotations changed)."""
    from ingest.build import run_ingest

    texts = corpus_of(dev, key)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in texts)).hexdigest()[:16]
    index = Path(work) / f"index-{key}-{digest}"
    corpus = Path(work) / f"corpus-{key}-{digest}"
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for p in texts:
            shutil.copy2(p, corpus / p.name)
    log(f"Indexing {', '.join(p.name for p in texts)} …")
    report = run_ingest(corpus, index, progress=False)
    if report.exit_code != 0:
        raise BadInput(f"could not index {corpus}: {report.message or report.exit_code}")
    return index
