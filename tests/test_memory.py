"""A long-lived server holds the versions it serves and no more: dropped versions are freed, identical models shared."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
import shutil
import weakref
from pathlib import Path

from api.engines import Engines
from bench.publish_memory import republish
from core import layout
from qa import shared
from qa.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def _copy(index: Path, tmp_path: Path) -> Path:
    """A private index holding the fixture's version by hard links (nothing is ever written into a published file)."""
    shutil.copytree(index, tmp_path / "index", copy_function=os.link)
    return tmp_path / "index"


def test_the_api_releases_a_version_no_longer_served(hash_index, tmp_path):
    index = _copy(hash_index, tmp_path)
    engines = Engines(index)
    first = engines.current()
    gone, encoder = weakref.ref(first), first.encoders["hash"]
    del first
    v2 = republish(index)
    assert engines.current().version == v2
    assert gone() is not None  # still held: an answer that began on it finishes with it
    v3 = republish(index)
    third = engines.current()
    assert third.version == v3 and engines.loaded() == (v2, v3)
    assert gone() is None  # freed by the swap itself, without a collection by the caller
    assert third.encoders["hash"] is encoder  # the same model in every version: built once


def test_the_apps_cache_drops_old_versions(hash_index, tmp_path):
    from ui import resources

    index = _copy(hash_index, tmp_path)
    first = resources.engine(index)
    gone = weakref.ref(first)
    assert resources.engine(index) is first  # once per process, not per run or session
    del first
    v2 = republish(index)
    assert resources.engine(index).version == v2
    v3 = republish(index)
    assert resources.engine(index).version == v3
    assert resources.loaded(index) == (v2, v3)
    assert gone() is None


def test_the_chat_warms_the_published_engine_when_the_server_starts(hash_index, tmp_path, monkeypatch):
    from streamlit.web.server.app_discovery import discover_asgi_app

    from ui import resources

    assert discover_asgi_app(ROOT / "app.py").is_asgi_app  # `streamlit run app.py` serves app.py's st.App and its lifespan
    index = _copy(hash_index, tmp_path)
    monkeypatch.setenv("MYTHQA_INDEX", str(index))

    async def start_and_stop():
        async with resources.lifespan(None):
            pass

    asyncio.run(start_and_stop())
    thread = resources.warm(index)
    thread.join(timeout=120)
    assert resources.loaded(index) == (layout.current_version(index),)  # loaded before any page ran
    assert resources.warm(index) is thread  # once per process


def test_identical_onnx_exports_give_one_session_across_versions(shipped_index, tmp_path):
    index = _copy(shipped_index, tmp_path)
    a = Engine.load(index)
    republish(index)
    b = Engine.load(index)
    assert a.version != b.version and b.encoder.backend == "onnx"
    assert b.encoders["minilm"] is a.encoders["minilm"]


def test_identical_model_files_give_one_pytorch_model_unless_the_caller_brings_its_own(shipped_index, tmp_path, encoder):
    index = _copy(shipped_index, tmp_path)
    a = Engine.load(index, backend="torch")
    republish(index)
    b = Engine.load(index, backend="torch")
    assert a.version != b.version and b.encoder.backend == "torch"
    assert b.encoder is a.encoder
    own = Engine.load(index, backend="torch", encoders={"minilm": encoder})  # e.g. a tuned model (learn.tune.cross)
    assert own.encoder.model is encoder and own.encoder is not a.encoder


def test_a_shared_object_lives_as_long_as_someone_holds_it():
    built = []

    class Model:
        def __init__(self):
            built.append(self)

    key = ("test", "a model no engine keeps")
    first = shared.shared(key, Model)
    assert shared.shared(key, Model) is first and len(built) == 1
    gone = weakref.ref(first)
    del first, built[:]
    gc.collect()
    assert gone() is None
    assert isinstance(shared.shared(key, Model), Model) and len(built) == 1  # built again once nothing held it


def test_a_file_is_hashed_once_and_again_when_replaced(tmp_path, monkeypatch):
    reads = []
    real = shared.sha256_file
    monkeypatch.setattr(shared, "sha256_file", lambda p: reads.append(p.name) or real(p))
    path, link, new = tmp_path / "query_encoder.onnx", tmp_path / "link.onnx", tmp_path / "new.onnx"
    path.write_bytes(b"first export")
    os.link(path, link)  # versions hard-link one export
    assert shared.file_sha256(path) == shared.file_sha256(link) == hashlib.sha256(b"first export").hexdigest()
    assert reads == ["query_encoder.onnx"]
    new.write_bytes(b"other export")
    os.replace(new, path)
    assert shared.file_sha256(path) == hashlib.sha256(b"other export").hexdigest()
    assert reads == ["query_encoder.onnx", "query_encoder.onnx"]
