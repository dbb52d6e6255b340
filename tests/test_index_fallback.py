"""A damaged CURRENT falls back to the newest intact kept version, says so once, and writers still see the damage."""

from __future__ import annotations

import logging

import pytest

from core import layout
from core.artifacts import load_index
from core.compat import IndexFormatError
from ingest.build import run_ingest
from tests.conftest import HASH

WARNED = "answering from the newest intact earlier version"


@pytest.fixture
def two_versions(seed_corpus, tmp_path):
    """An index with two published versions, oldest first."""
    index = tmp_path / "index"
    for _ in range(2):
        assert run_ingest(seed_corpus, index, models=(HASH,), full=True, progress=False).exit_code == 0
    kept = layout.kept_versions(index)
    assert len(kept) == 2 and kept[-1] == layout.read_pointer(index)
    return index, kept


def _damage(index, version):
    path = index / layout.VERSIONS / version / layout.CHUNKS
    path.write_text(path.read_text().replace("Beijing", "Beijinx", 1))  # same size, other bytes: only the hash tells


@pytest.mark.parametrize("content", [b"\xff\xfe garbage", b"not a version\n", b"20991231T000000000000-00000000\n"])
def test_garbage_or_a_missing_version_falls_back_to_the_newest_kept(two_versions, content, caplog):
    index, (older, newest) = two_versions
    (index / layout.POINTER).write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="mythqa.index"):
        assert layout.current_version(index) == newest
        assert load_index(index).version == newest
    (warning,) = [r.getMessage() for r in caplog.records if WARNED in r.getMessage()]  # logged once, not per reading
    assert str(index) in warning and "CURRENT" in warning
    assert layout.fallback_reason(index) == (
        f"The published index version is damaged or missing; answering from the newest intact earlier version, {newest}, "
        "until the operator repairs it with `python -m ingest --full`."
    )
    (index / layout.POINTER).write_text(older + "\n")  # repaired (here by hand): no fallback any more
    assert layout.current_version(index) == older and layout.fallback_reason(index) is None


@pytest.mark.parametrize("remove", [True, False])
def test_an_emptied_or_deleted_pointer_falls_back_too(two_versions, remove, caplog):
    index, (_, newest) = two_versions
    pointer = index / layout.POINTER
    pointer.unlink() if remove else pointer.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="mythqa.index"):
        assert layout.current_version(index) == newest and load_index(index).version == newest
    assert "CURRENT (missing or empty) is unusable: it is missing or empty." in caplog.text
    assert layout.read_pointer(index) is None  # a writer still sees nothing published, and the next ingest writes it
    assert layout.fallback_reason(index).startswith("The published index version is damaged or missing")


def test_a_fresh_index_folder_has_nothing_to_fall_back_to(tmp_path):
    assert layout.current_version(tmp_path / "index") is None
    (tmp_path / "index" / layout.VERSIONS).mkdir(parents=True)
    assert layout.current_version(tmp_path / "index") is None and layout.fallback_reason(tmp_path / "index") is None


def test_a_damaged_published_version_falls_back_to_the_earlier_one_and_the_engine_says_so(two_versions, caplog):
    from qa.engine import Engine

    index, (older, newest) = two_versions
    _damage(index, newest)
    with caplog.at_level(logging.WARNING, logger="mythqa.index"):
        engine = Engine.load(index)
    assert engine.version == older and layout.read_pointer(index) == newest
    assert "sha256 mismatch" in caplog.text and WARNED in caplog.text
    assert layout.fallback_reason(index) in engine.notices
    assert str(index) not in layout.fallback_reason(index)  # visitors read the notice: no server path in it
    assert engine.ask("Is China arming Russia?").passages


def test_nothing_intact_keeps_the_clear_errors(two_versions):
    index, (older, newest) = two_versions
    _damage(index, older)
    _damage(index, newest)
    with pytest.raises(IndexFormatError, match="is damaged: chunks.jsonl differs from what was published"):
        load_index(index)
    (index / layout.POINTER).write_bytes(b"garbage")
    with pytest.raises(layout.IndexPointerError, match="does not hold a version name"):
        load_index(index)
    assert layout.fallback_reason(index) is None


def test_a_writer_sees_the_pointer_as_it_is_and_repairs_it(two_versions, seed_corpus):
    index, (_, newest) = two_versions
    (index / layout.POINTER).write_bytes(b"garbage")
    assert layout.current_version(index) == newest
    with pytest.raises(layout.IndexPointerError):
        layout.current_version(index, fallback=False)
    with layout.writer_lock(index), pytest.raises(layout.IndexPointerError):
        layout.current_version(index)
    assert run_ingest(seed_corpus, index, models=(HASH,), progress=False).exit_code == 0  # rebuilt, as before
    repaired = layout.read_pointer(index)
    assert repaired not in (None, newest) and layout.current_version(index) == repaired
    assert layout.fallback_reason(index) is None
