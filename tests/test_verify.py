"""A damaged index is refused with one clear message, never served, and `ingest --full` always recovers."""

from __future__ import annotations

import json
import os

import faiss
import numpy as np
import pytest

from core import layout
from core.artifacts import load_index
from core.compat import IndexFormatError
from core.model import sha256_file
from ingest.build import run_ingest
from tests.conftest import HASH, SEED

DAMAGED = "is damaged: "


@pytest.fixture
def built(seed_corpus, tmp_path):
    index = tmp_path / "index"
    assert run_ingest(seed_corpus, index, models=(HASH,), progress=False).exit_code == 0
    return index, layout.resolve(index)


def _rehash(version, rel):
    """Make the manifest agree with an edited file: the damage is then only visible to the structural checks."""
    path = version / layout.MANIFEST
    m = json.loads(path.read_text())
    m["artifacts"][rel] = sha256_file(version / rel)
    m["artifact_bytes"][rel] = (version / rel).stat().st_size
    path.write_text(json.dumps(m))


def _refused(index, words):
    with pytest.raises(IndexFormatError) as e:
        load_index(index)
    assert DAMAGED in str(e.value) and words in str(e.value) and "python -m ingest --full" in str(e.value)
    assert e.value.code == "index-damaged"


def test_an_edited_chunk_file_is_refused(built):
    index, version = built
    path = version / layout.CHUNKS
    path.write_text(path.read_text().replace("Beijing", "Beijinx", 1))  # same size: only the hash can tell
    _refused(index, "chunks.jsonl differs from what was published")


def test_a_file_of_another_size_is_refused_even_when_hashes_are_skipped(built):
    index, version = built
    path = version / layout.CHUNKS
    path.write_text(path.read_text() + "\n")
    _refused(index, "chunks.jsonl is")


def test_sentence_spans_outside_their_chunk(built):
    index, version = built
    rows = [json.loads(line) for line in (version / layout.CHUNKS).read_text().splitlines()]
    rows[3]["sentences"][-1][1] += 500
    (version / layout.CHUNKS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    _rehash(version, layout.CHUNKS)
    _refused(index, "a sentence span of chunk 3 lies outside the chunk")


def test_a_missing_chunk_line(built):
    index, version = built
    lines = (version / layout.CHUNKS).read_text().splitlines(keepends=True)
    (version / layout.CHUNKS).write_text("".join(lines[:5] + lines[6:]))
    _rehash(version, layout.CHUNKS)
    _refused(index, "chunk row 5 does not match its id or span")


def test_vectors_of_the_wrong_shape(built):
    index, version = built
    rel = f"{layout.MODELS}/{HASH}/{layout.SENTENCE_VECTORS}"
    v = np.load(version / rel)
    np.save(version / rel, v[:, :-1])
    _rehash(version, rel)
    with pytest.raises(IndexFormatError, match="have shape"):
        load_index(index)


def test_a_faiss_store_of_another_dimension(built):
    index, version = built
    rel = f"{layout.MODELS}/{HASH}/{layout.CHUNK_FAISS}"
    n = faiss.read_index(str(version / rel)).ntotal
    other = faiss.IndexFlatIP(8)
    other.add(np.ones((n, 8), dtype=np.float32))
    faiss.write_index(other, str(version / rel))
    _rehash(version, rel)
    _refused(index, f"holds {n} vectors of dimension 8")


def test_symlinked_artifacts_are_never_followed(built, tmp_path):
    index, version = built
    rel = f"{layout.MODELS}/{HASH}/{layout.SENTENCE_VECTORS}"
    (version / rel).unlink()
    os.symlink("/dev/zero", version / rel)
    _refused(index, "is not a regular file")


def test_a_manifest_naming_files_outside_the_version(built):
    index, version = built
    m = json.loads((version / layout.MANIFEST).read_text())
    m["artifacts"]["../../../etc/passwd"] = "0" * 64
    (version / layout.MANIFEST).write_text(json.dumps(m))
    _refused(index, "may not name")


@pytest.mark.parametrize("content", ['{"format_version": 3, "models": ', "[1, 2]", '{"format_version": 3, "models": {"hash": 5}}'])
def test_malformed_manifests(built, content):
    index, version = built
    (version / layout.MANIFEST).write_text(content)
    with pytest.raises(IndexFormatError, match="python -m ingest --full"):
        load_index(index)


def test_full_rebuild_recovers_and_incremental_copies_nothing_damaged(built, seed_corpus):
    index, version = built
    path = version / layout.CHUNKS
    path.write_text(path.read_text().replace("Beijing", "Berlin", 1))
    (seed_corpus / "extra.txt").write_text("A new paragraph about something else entirely.\n", encoding="utf-8")
    report = run_ingest(seed_corpus, index, progress=False)  # incremental: must not copy the edited chunks
    assert report.exit_code == 0 and any("failed its check" in w for w in report.warnings)
    assert report.embedded == report.chunks  # everything embedded again
    data = load_index(index)
    assert not any("Berlin" in c.text for c in data.chunks)
    (layout.resolve(index) / layout.MANIFEST).write_text("garbage")
    assert run_ingest(seed_corpus, index, full=True, progress=False).exit_code == 0
    assert len(load_index(index).chunks) == report.chunks


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe not text", "is not UTF-8 text"),
        (b"x" * 10_000, "does not hold a version name"),
        (b"/etc\n", "does not hold a version name"),
        (b"../../../etc\n", "does not hold a version name"),
    ],
)
def test_a_damaged_pointer_is_never_followed(built, content, words):
    from core.artifacts import verify_published

    index, version = built
    (index / layout.POINTER).write_bytes(content)
    with pytest.raises(layout.IndexPointerError, match=words) as e:
        verify_published(index)  # the operator's check reads the pointer as it is
    assert load_index(index).path == version  # readers answer from the intact version kept (tests/test_index_fallback.py)
    assert e.value.code == "index-damaged" and "python -m ingest --full" in str(e.value)
    assert run_ingest(SEED.parent, index, models=(HASH,), full=True, progress=False).exit_code <= 1  # ingest recovers
    assert load_index(index).chunks


def test_an_invalid_onnx_file_with_a_matching_hash(shipped_index, tmp_path):
    import shutil

    from qa.engine import Engine

    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    version = layout.resolve(index)
    rel = f"{layout.MODELS}/minilm/{layout.QUERY_ONNX}"
    (version / rel).unlink()  # it may be a hard link shared with the session's index
    (version / rel).write_bytes(b"not an onnx model")
    _rehash(version, rel)
    m = json.loads((version / layout.MANIFEST).read_text())
    m["models"]["minilm"]["query_encoder"]["sha256"] = m["artifacts"][rel]
    (version / layout.MANIFEST).write_text(json.dumps(m))
    with pytest.raises(IndexFormatError, match="is damaged: query_encoder.onnx of “minilm” cannot be loaded"):
        Engine.load(index)


def test_ingest_verify_reports_and_exits(built, capsys):
    from ingest.__main__ import main

    index, version = built
    assert main(["--verify", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Index version {version.name} verified: ") and "every sha256 matches" in out
    path = version / layout.CHUNKS
    path.write_text(path.read_text().replace("Beijing", "Beijinx", 1))
    assert main(["--verify", "--index", str(index)]) == 2
    assert "chunks.jsonl differs from what was published" in capsys.readouterr().err


def test_a_large_index_is_hashed_in_the_background_and_stops_answering_when_damaged(built, monkeypatch):
    from core import verify
    from core.compat import IndexFormatError as Damaged
    from ui import resources

    index, version = built
    data = load_index(index)
    assert not resources._large(data)
    monkeypatch.setattr(verify, "FULL_CHECK_BYTES", 1000)  # as if the index were over the load-time hashing bound
    assert resources._large(data)
    path = version / layout.CHUNKS
    path.write_text(path.read_text().replace("Beijing", "Beijinx", 1))
    load_index(index)  # sizes only at load: the edit is not seen yet
    resources._check_in_background(version, version.name)
    with pytest.raises(Damaged, match="chunks.jsonl differs from what was published"):
        resources.engine(index)
    resources._damaged.clear()


def test_files_hashed_elsewhere_do_not_push_an_index_over_the_hashing_bound(built, monkeypatch):
    from core import verify

    index, version = built
    manifest = layout.read_manifest(version)
    big = f"{layout.MODELS}/{HASH}/{layout.SENTENCE_VECTORS}"  # stands for an ONNX export, hashed by qa.loader
    rest = sum(n for rel, n in manifest["artifact_bytes"].items() if rel != big)
    monkeypatch.setattr(verify, "FULL_CHECK_BYTES", rest)
    path = version / layout.CHUNKS
    path.write_text(path.read_text().replace("Beijing", "Beijinx", 1))
    with pytest.raises(IndexFormatError, match="chunks.jsonl differs"):
        verify.verify_files(version, manifest, skip=(big,))
    verify.verify_files(version, manifest)  # counting every file: over the bound, so sizes only
