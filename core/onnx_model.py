"""Run the ONNX export of the sentence encoder with onnxruntime: tokenizer, transformer, mean pooling, normalisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core import settings
from core.model import load_tokenizer


def session_options(threads: int = 1):
    """How a query encoder's onnxruntime session runs: ``threads`` for one query, one operator at a time, and idle
    threads spinning or not (MYTHQA_QUERY_SPINNING: core.settings says what each costs)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads  # one short query: more threads only add hand-over cost
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    if not settings.load().query_spinning:  # a server answering several askers at once
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


class OnnxEmbedder:
    """Embed one text at a time without torch; same vectors as the SentenceTransformer (checked at export).

    Thread-safe: onnxruntime sessions may be run from several threads at once.
    """

    def __init__(self, onnx_path: Path, model_dir: Path, window: int, threads: int = 1, token_type_ids: bool = True):
        import onnxruntime as ort

        self.session = ort.InferenceSession(str(onnx_path), session_options(threads), providers=["CPUExecutionProvider"])
        self.tokenizer = load_tokenizer(Path(model_dir))
        self.tokenizer.enable_truncation(window)
        self.window = window
        self.token_type_ids = token_type_ids  # BERT takes segment ids; MPNet has no such input

    def embed(self, text: str) -> np.ndarray:
        enc = self.tokenizer.encode(text)
        feeds = {"input_ids": np.array([enc.ids], dtype=np.int64), "attention_mask": np.array([enc.attention_mask], dtype=np.int64)}
        if self.token_type_ids:
            feeds["token_type_ids"] = np.array([enc.type_ids], dtype=np.int64)
        hidden = self.session.run(None, feeds)[0][0]  # one text, no padding: the mean over all tokens
        pooled = hidden.mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
