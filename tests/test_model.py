"""Model specs: pinned files verified before use, one matches() for compatibility, recipes pinned, registration."""

from __future__ import annotations

import shutil

import pytest

from core import model, spec
from core.embedders import HashEmbedder
from core.model import ModelError
from core.spec import hash_spec
from core.types import Chunk, Span
from ingest.build import run_ingest
from ingest.embed import embedding_texts


def test_bundled_model_verifies():
    path = spec.MINILM.model_dir()
    assert path == model.bundled_model_dir()
    assert spec.get("minilm") is spec.MINILM
    assert (spec.MINILM.dimension, spec.MINILM.window, spec.MINILM.special_tokens, spec.MINILM.token_type_ids) == (384, 256, 2, True)


def test_tampered_model_is_refused(tmp_path, monkeypatch, seed_corpus):
    copy = tmp_path / "model"
    shutil.copytree(model.bundled_model_dir(), copy)
    with open(copy / "vocab.txt", "a") as f:
        f.write("tampered\n")
    monkeypatch.setattr(model, "bundled_model_dir", lambda only=None: copy)
    with pytest.raises(ModelError, match="vocab.txt of .* do not match their pinned sha256"):
        spec.MINILM.model_dir()
    with pytest.raises(ModelError, match="Reinstall"):
        run_ingest(seed_corpus, tmp_path / "index", progress=False)
    assert not (tmp_path / "index" / "versions").exists()


def test_answering_checks_the_tokenizer_and_whoever_reads_the_weights_checks_them(tmp_path, monkeypatch):
    copy = tmp_path / "model"
    shutil.copytree(model.bundled_model_dir(), copy)
    with open(copy / "model.safetensors", "ab") as f:
        f.write(b"tampered")
    monkeypatch.setattr(model, "bundled_model_dir", lambda only=None: copy)
    assert spec.MINILM.model_dir(only=spec.QUERY_FILES) == copy  # the ONNX query side reads only the intact tokenizer
    with pytest.raises(ModelError, match="model.safetensors of .* do not match their pinned sha256"):
        spec.MINILM.model_dir()
    with pytest.raises(ModelError, match="model.safetensors of .* do not match their pinned sha256"):
        spec.MINILM.document_encoder(copy)  # never loaded unchecked


def test_unknown_model_key_is_a_clear_error():
    with pytest.raises(ModelError, match="Unknown model “nope” \\(known here: .*minilm"):
        spec.get("nope")


def test_matches_names_every_differing_field():
    entry = spec.MINILM.entry()
    assert spec.MINILM.matches(entry)
    changed = {**entry, "dimension": 768, "recipes": {**entry["recipes"], "chunk": "other/2"}}
    assert spec.MINILM.mismatch(changed) == "model “minilm” differs in dimension, recipes"
    assert spec.MINILM.mismatch(None) == "the index records no spec for model “minilm”"


def test_recipes_are_pinned():
    """Changing what a vector embeds must come with a new recipe tag in core.spec.RECIPES (this test then changes too)."""
    c = Chunk(0, "m.txt", "One. Two.", 10, 19, (Span(10, 14), Span(15, 19)), myth=1, title="T", section="S", context="Myth 1: ‘T’ — S")
    assert embedding_texts([c]) == ["Myth 1: ‘T’ — S\nOne. Two.", "S\nOne. Two.", "One.", "Two."]
    assert spec.RECIPES == {"chunk": "myth-section-context+text/1", "passage": "section+text/1", "sentence": "bare/1"}


def test_hash_embedder_is_deterministic_and_normalised():
    emb = HashEmbedder(16)
    a, b = emb.encode(["Russia and China", "russia, and china!"])
    assert a.tolist() == b.tolist()  # case and punctuation do not matter, and every run gives the same numbers
    assert abs(float((a * a).sum()) - 1.0) < 1e-6
    assert emb.encode([]).shape == (0, 16)
    s = hash_spec("h2", 16)
    assert (s.kind, s.dimension, s.model_dir(), s.special_tokens) == ("hash", 16, None, 0)
