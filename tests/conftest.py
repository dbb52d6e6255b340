"""Shared fixtures: the real model loaded once per session, and an index of the shipped corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "myth-10-russia-and-china-joining-forces.txt"


@pytest.fixture(scope="session", autouse=True)
def export_cache(tmp_path_factory) -> Path:
    """A fresh cache for ONNX exports: the session exports once, and never reads the user's own cache."""
    path = tmp_path_factory.mktemp("mythqa-cache")
    old = os.environ.get("MYTHQA_CACHE")
    os.environ["MYTHQA_CACHE"] = str(path)  # subprocesses (CLI tests) inherit it
    yield path
    if old is None:
        os.environ.pop("MYTHQA_CACHE", None)
    else:
        os.environ["MYTHQA_CACHE"] = old


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from core.model import verify_model

    return verify_model()[0]


@pytest.fixture(scope="session")
def tokenizer(model_dir):
    from core.model import load_tokenizer

    return load_tokenizer(model_dir)


@pytest.fixture(scope="session")
def encoder(model_dir):
    """The real all-MiniLM-L6-v2, loaded once for the whole session."""
    from core.model import load_encoder

    return load_encoder(model_dir)


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory, encoder) -> Path:
    """An index of the shipped corpus, built once per session; treat it as read-only."""
    from ingest.build import run_ingest

    index = tmp_path_factory.mktemp("shipped") / "index"
    report = run_ingest(CORPUS, index, progress=False, encoder=encoder)
    assert report.exit_code == 0, report.message
    return index


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """An empty corpus folder of the test's own."""
    d = tmp_path / "corpus"
    d.mkdir()
    return d


@pytest.fixture
def seed_corpus(corpus_dir) -> Path:
    """A corpus folder holding a copy of the shipped Myth 10 text."""
    shutil.copy(SEED, corpus_dir / SEED.name)
    return corpus_dir
