"""Shared fixtures: the hash embedder (no model files) for structure tests, the real model once per session for quality.

Tests that need all-MiniLM-L6-v2 itself (answers, ONNX, quality gates) use the ``encoder``/``shipped_index`` fixtures and
are marked ``model`` automatically; everything about structure, publishing, bad input and the UI runs on ``HASH``.
"""

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


HASH = "hash"  # the key of the hash-embedder spec every test session registers
MODEL_FIXTURES = {"model_dir", "tokenizer", "encoder", "shipped_index", "engine", "multi_engine", "multi_index"}


def pytest_collection_modifyitems(items):
    """Mark every test that needs the real model, so `pytest -m "not model"` runs the model-free part alone."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session", autouse=True)
def minilm_by_default():
    """In this process a run without --models builds MiniLM alone: embedding the corpus with mpnet takes a minute on this
    machine, so only tests/test_mpnet.py builds the shipped default (both models) for real."""
    from core import spec

    shipped = spec.DEFAULT_MODELS
    spec.DEFAULT_MODELS = ("minilm",)
    yield shipped
    spec.DEFAULT_MODELS = shipped


@pytest.fixture(scope="session", autouse=True)
def hash_model():
    """The deterministic hash embedder registered as model ``hash`` for the whole session."""
    from core import spec
    from core.spec import hash_spec

    registered = spec.register(hash_spec(HASH))
    yield registered
    spec.unregister(HASH)


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory) -> Path:
    """An index of the shipped corpus embedded by the hash embedder only (no model files); treat it as read-only."""
    from ingest.build import run_ingest

    index = tmp_path_factory.mktemp("hashed") / "index"
    report = run_ingest(CORPUS, index, models=(HASH,), progress=False)
    assert report.exit_code == 0, report.message
    return index


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from core.spec import MINILM

    return MINILM.model_dir()


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
    report = run_ingest(CORPUS, index, models=("minilm",), progress=False, encoders={"minilm": encoder})
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


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of the session's own (tests/pg.py), started once; skipped only where PostgreSQL is not
    installed, and failed even then when MYTHQA_REQUIRE_POSTGRES=1 (.ci/run installs it and sets that)."""
    from tests import pg

    bin_dir = pg.binaries()
    if bin_dir is None:
        why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; `apt-get install postgresql`, as .ci/run does)"
        if os.environ.get(pg.REQUIRE) == "1":
            pytest.fail(f"{pg.REQUIRE}=1 but {why}")
        pytest.skip(why)
    server = pg.Server(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, monkeypatch) -> str:
    """A fresh, empty PostgreSQL database, named by MYTHQA_DATABASE_URL for this test (store.db.database_url)."""
    url = pg_server.database()
    monkeypatch.setenv("MYTHQA_DATABASE_URL", url)
    return url
