"""A tuned query model on disk: saved with the sha256 of every file, and verified before it is used again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.errors import BadInput
from core.model import sha256_file

RECORD = "tuned.json"  # beside the model files: what it was tuned from and on, and each file's hash


def save(model, folder: Path, record: dict) -> dict:
    """Write ``model`` to a new ``folder`` with ``record`` (base model, settings, pairs) and every file's sha256.

    Raises:
        BadInput: ``folder`` exists and is not empty (a bundled or earlier model is never overwritten).
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BadInput(f"{folder} already holds files; choose a new folder (a saved model is never overwritten)")
    model.save(str(folder))
    files = {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    record = {**record, "files": files}
    (folder / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    return record


def load(folder: Path):
    """The saved model after every file was checked against ``tuned.json``; returns (model, record).

    Raises:
        BadInput: the record is missing or unreadable, or a file is missing or altered.
    """
    folder = Path(folder)
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        files = dict(record["files"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BadInput(f"{folder} is not a saved tuned model ({e}); make one with `python -m learn.tune --save DIR`") from None
    for rel, digest in files.items():
        path = folder / rel
        if ".." in Path(rel).parts or not path.is_file() or path.is_symlink() or sha256_file(path) != digest:
            raise BadInput(f"{path} is missing or altered since it was saved; tune again with `python -m learn.tune --save DIR`")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True), record


def pairs_digest(pairs, texts: list[str]) -> str:
    """One sha256 over the training pairs as text (question, gold sentences), so a tuned model names exactly what it
    learnt from, whatever the sentence ids of the index it was trained on."""
    h = hashlib.sha256()
    for p in pairs:
        h.update(json.dumps([p.question, [texts[i] for i in p.sentences]], ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()
