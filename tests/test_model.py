"""The bundled model is verified by sha256 before use; anything else is refused with a clear message."""

from __future__ import annotations

import shutil

import pytest

from core import model
from core.model import ModelError, verify_model
from ingest.build import run_ingest


def test_bundled_model_verifies():
    path, model_id, hashes = verify_model()
    assert model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert hashes == model.BUNDLED_SHA256
    assert model.max_seq_length(path) == 256


def test_tampered_model_is_refused(tmp_path, monkeypatch, seed_corpus):
    copy = tmp_path / "model"
    shutil.copytree(model.bundled_model_dir(), copy)
    with open(copy / "vocab.txt", "a") as f:
        f.write("tampered\n")
    monkeypatch.setattr(model, "bundled_model_dir", lambda: copy)
    with pytest.raises(ModelError, match="vocab.txt .* do not match their pinned sha256"):
        verify_model()
    with pytest.raises(ModelError, match="Reinstall"):
        run_ingest(seed_corpus, tmp_path / "index", progress=False)
    assert not (tmp_path / "index").exists()


def test_missing_model_dir_is_refused(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        verify_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no model.safetensors"):
        verify_model(tmp_path / "empty")
