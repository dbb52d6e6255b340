"""The bundled model exported locally to ONNX and run with onnxruntime (optional: only when onnx and onnxruntime import)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def versions() -> dict | None:
    """onnx and onnxruntime versions and where they were imported from, or None when not installed."""
    if not available():
        return None
    import onnx
    import onnxruntime

    return {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "from": str(Path(onnxruntime.__file__).parent.parent)}


def export(model, path: Path) -> Path:
    """The read path's own export (core.onnx_export), written to ``path``."""
    from core.onnx_export import export as export_query_encoder

    export_query_encoder(model, Path(path))
    return Path(path)


class OnnxEncoder:
    """Duck-types what ingestion and the engine call on a SentenceTransformer: ``encode``, ``max_seq_length``, dimension."""

    def __init__(self, model, onnx_path: Path, threads: int = 1):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = model.tokenizer
        self.max_seq_length = int(model.max_seq_length)
        self.dim = int(model.get_embedding_dimension())

    def __iter__(self):  # no SentenceTransformer modules: qa.encode.QueryEncoder falls back to encode()
        return iter(())

    def get_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts, batch_size: int = 64, normalize_embeddings: bool = True, convert_to_numpy: bool = True, **_) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding, like SentenceTransformer
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            feats = self.tokenizer(
                [texts[j] for j in idx], padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="np"
            )
            hidden = self.session.run(None, {k: v.astype(np.int64) for k, v in feats.items() if k in self.inputs})[0]
            mask = feats["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
            out[idx] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True) if normalize_embeddings else pooled
        return out
