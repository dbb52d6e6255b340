"""Query encoding: cut a question to the model window, embed it fast (ONNX or PyTorch), cache repeats."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.spec import ModelSpec


class Prepared(NamedTuple):
    """A question as the read path uses it: cleaned, cut to the model window if needed."""

    text: str
    tokens: int  # model tokens in the original (cleaned) question, special tokens excluded
    truncated: bool
    words: int = 0  # words in the original question
    kept_words: int = 0  # words of it that were used


class _Encoder:
    """What every back end shares: the token window, ``prepare`` and the LRU cache around ``_vector``."""

    backend = ""

    def __init__(self, spec: ModelSpec, model_dir: Path | None, cache_size: int):
        self.spec = spec
        self.window = int(spec.window)
        self.room = self.window - spec.special_tokens  # what a question may use of the window
        self._counter = spec.tokenizer(model_dir)  # untruncated, with offsets, to cut long questions
        self.embed = lru_cache(maxsize=cache_size)(self._embed)

    def prepare(self, text: str, keep_end: bool = True) -> Prepared:
        """Count the question's model tokens; if it overflows the window keep the part that fits.

        ``keep_end`` keeps the end, where a long message usually asks its question (pasted context first,
        "…so is China arming Russia?" last); otherwise the start is kept.
        """
        enc = self._counter.encode(text, add_special_tokens=False)
        room = self.room
        words = len(text.split())
        if len(enc.ids) <= room:
            return Prepared(text, len(enc.ids), False, words, words)
        kept = text[enc.offsets[-room][0] :] if keep_end else text[: enc.offsets[room - 1][1]]
        # a cut inside a word would leave a fragment: drop it
        if keep_end and enc.offsets[-room][0] > 0 and not text[enc.offsets[-room][0] - 1].isspace():
            kept = kept.split(" ", 1)[-1]
        elif not keep_end and enc.offsets[room - 1][1] < len(text) and not text[enc.offsets[room - 1][1]].isspace():
            kept = kept.rsplit(" ", 1)[0]
        return Prepared(kept, len(enc.ids), True, words, len(kept.split()))

    def _embed(self, text: str) -> np.ndarray:
        vec = np.asarray(self._vector(text), dtype=np.float32)
        vec.setflags(write=False)  # shared through the cache: nobody may change it
        return vec

    def _vector(self, text: str) -> np.ndarray:
        raise NotImplementedError


class OnnxQueryEncoder(_Encoder):
    """The index's ONNX export run by onnxruntime: about half PyTorch's time per query, and no torch import."""

    backend = "onnx"

    def __init__(self, onnx_path: Path, spec: ModelSpec, model_dir: Path, threads: int = 1, cache_size: int = 1024):
        from core.onnx_model import OnnxEmbedder

        super().__init__(spec, model_dir, cache_size)
        self._onnx = OnnxEmbedder(onnx_path, model_dir, self.window, threads, token_type_ids=spec.token_type_ids)

    def _vector(self, text: str) -> np.ndarray:
        return self._onnx.embed(text)


class QueryEncoder(_Encoder):
    """Embed one query at a time with the SentenceTransformer (PyTorch).

    ``SentenceTransformer.encode`` costs a few ms of bookkeeping per call; for single short queries we
    call its tokenizer, transformer and pooling modules directly (same numbers, checked in the tests).
    Models laid out differently fall back to ``encode``. Thread-safe: torch inference and the LRU
    cache may be used from several threads at once.
    """

    backend = "torch"

    def __init__(self, model, spec: ModelSpec, model_dir: Path, cache_size: int = 1024):
        import torch

        super().__init__(spec, model_dir, cache_size)
        self.model = model
        self._torch = torch
        mods = list(model)
        names = [type(m).__name__ for m in mods]
        self._fast = names[:2] == ["Transformer", "Pooling"] and all(n == "Normalize" for n in names[2:]) and hasattr(mods[0], "auto_model")

    def _vector(self, text: str) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            if not self._fast:
                return self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
            feats = self.model.tokenizer([text], return_tensors="pt", truncation=True, max_length=self.window)
            hidden = self.model[0].auto_model(**feats).last_hidden_state
            pooled = self.model[1]({"token_embeddings": hidden, "attention_mask": feats["attention_mask"]})["sentence_embedding"]
            return torch.nn.functional.normalize(pooled, dim=-1)[0].numpy()


class HashQueryEncoder(_Encoder):
    """Queries for a hash-embedder model (core.embedders): the same function the documents were embedded with."""

    backend = "hash"

    def __init__(self, spec: ModelSpec, cache_size: int = 1024):
        from core.embedders import HashEmbedder

        super().__init__(spec, None, cache_size)
        self._hash = HashEmbedder(spec.dimension)

    def _vector(self, text: str) -> np.ndarray:
        return self._hash.vector(text)
