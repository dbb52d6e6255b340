"""The ONNX query encoder: exported and checked at ingest, shared between versions, same answers as PyTorch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import layout
from core.compat import IndexFormatError
from ingest.build import run_ingest
from qa.encode import OnnxQueryEncoder
from qa.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def _onnx(index):
    return layout.model_path(layout.resolve(index), "minilm") / layout.QUERY_ONNX


QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").read_text().splitlines()]


def test_manifest_records_a_checked_export(shipped_index):
    version = layout.resolve(shipped_index)
    entry = layout.read_manifest(version)["models"]["minilm"]["query_encoder"]
    assert entry["backend"] == "onnx"
    assert entry["max_abs_diff"] < 1e-4
    assert entry["sha256"] == layout.read_manifest(version)["artifacts"][f"models/minilm/{layout.QUERY_ONNX}"]
    assert entry["data"] == layout.QUERY_DATA  # the weights beside the graph, mapped into memory when a session opens
    assert entry["data_sha256"] == layout.read_manifest(version)["artifacts"][f"models/minilm/{layout.QUERY_DATA}"]


def test_onnx_and_torch_give_the_same_vectors_and_answers(shipped_index, encoder):
    onnx = Engine.load(shipped_index)
    torch_ = Engine.load(shipped_index, encoders={"minilm": encoder}, backend="torch")
    assert (onnx.encoder.backend, torch_.encoder.backend) == ("onnx", "torch")
    for q in QUESTIONS + ["x" * 5000, "Что такое миф? 😀"]:
        text = onnx.encoder.prepare(q).text
        assert np.abs(onnx.encoder.embed(text) - torch_.encoder.embed(text)).max() < 1e-5, q
        a, b = onnx.ask(q), torch_.ask(q)
        assert (a.answered, [p.chunk_id for p in a.passages], [s.text for s in a.sentences]) == (
            b.answered,
            [p.chunk_id for p in b.passages],
            [s.text for s in b.sentences],
        ), q


def test_answering_with_onnx_never_imports_torch(shipped_index):
    code = (
        "import sys; from qa.engine import Engine; e = Engine.load(sys.argv[1]); a = e.ask('Who promotes the myth?'); "
        "print(e.encoder.backend, a.answered, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(shipped_index)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["onnx", "True", "False"], out.stderr


def test_answering_never_imports_spacys_cli(shipped_index):
    # spaCy's CLI (typer, weasel, httpx) is 0.75 s of a cold command; it stays out, and can still be imported after
    code = (
        "import sys; from qa.engine import Engine; e = Engine.load(sys.argv[1]); a = e.ask('Who promotes the myth?'); "
        "out = [a.answered] + [m in sys.modules for m in ('spacy.cli', 'weasel', 'typer', 'httpx')]; "
        "import spacy.cli; print(*out, callable(spacy.cli.download))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(shipped_index)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "False", "False", "False", "False", "True"], out.stderr


def test_altered_export_falls_back_to_torch(shipped_index, tmp_path, encoder):
    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)  # real copies: the session's files and cache stay intact
    path = _onnx(copy)
    path.write_bytes(path.read_bytes()[:-16] + b"\0" * 16)
    engine = Engine.load(copy, encoders={"minilm": encoder})
    assert engine.encoder.backend == "torch"
    assert engine.ask("Who promotes the myth?").passages[0].section == "Who advocates or subscribes to it?"
    with pytest.raises(IndexFormatError, match="ONNX"):
        Engine.load(copy, encoders={"minilm": encoder}, backend="onnx")


def test_versions_share_one_export(seed_corpus, tmp_path, encoder):
    index = tmp_path / "index"
    assert run_ingest(seed_corpus, index, progress=False, encoders={"minilm": encoder}).exit_code == 0
    first = _onnx(index)
    (seed_corpus / "extra.txt").write_text("A short note about nothing in particular.\n", encoding="utf-8")
    report = run_ingest(seed_corpus, index, progress=False)  # no encoder: only extra.txt is embedded
    second = _onnx(index)
    assert second != first and os.stat(second).st_ino == os.stat(first).st_ino
    weights = [p.parent / layout.QUERY_DATA for p in (first, second)]
    assert os.stat(weights[0]).st_ino == os.stat(weights[1]).st_ino  # the weights are stored once too
    assert report.query_encoder == "ONNX (onnxruntime)"


def test_altered_weights_file_falls_back_to_torch(shipped_index, tmp_path, encoder):
    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)
    weights = _onnx(copy).parent / layout.QUERY_DATA
    weights.write_bytes(weights.read_bytes()[:-16] + b"\0" * 16)  # same size: only its hash can tell
    engine = Engine.load(copy, encoders={"minilm": encoder})
    assert engine.encoder.backend == "torch"
    with pytest.raises(IndexFormatError, match=f"{layout.QUERY_DATA} is missing or altered"):
        Engine.load(copy, encoders={"minilm": encoder}, backend="onnx")


def test_unsupported_model_or_missing_runtime_keeps_torch(tmp_path, monkeypatch, encoder, model_dir):
    from core.onnx_export import place
    from core.spec import MINILM

    monkeypatch.setenv("MYTHQA_CACHE", str(tmp_path / "cache"))
    entry = place(tmp_path, MINILM, model_dir, lambda: [encoder[0]], None)  # a model without pooling
    assert entry["backend"] == "torch" and "not Transformer, Pooling, Normalize" in entry["reason"]
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    assert place(tmp_path, MINILM, model_dir, lambda: encoder, None) == {"backend": "torch", "reason": "onnxruntime is not installed"}
    assert not (tmp_path / layout.QUERY_ONNX).exists()


def test_unusable_cache_exports_into_the_version(tmp_path, monkeypatch, encoder, model_dir):
    from core.model import sha256_file
    from core.onnx_export import place
    from core.spec import MINILM

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("MYTHQA_CACHE", str(blocker))
    version = tmp_path / "version"
    version.mkdir()
    entry = place(version, MINILM, model_dir, lambda: encoder, None)
    assert entry["backend"] == "onnx" and entry["max_abs_diff"] < 1e-4
    assert sorted(p.name for p in version.iterdir()) == [layout.QUERY_ONNX, layout.QUERY_DATA]  # no temporary file left behind
    assert sha256_file(version / layout.QUERY_ONNX) == entry["sha256"]
    assert sha256_file(version / layout.QUERY_DATA) == entry["data_sha256"]
    assert (version / layout.QUERY_ONNX).stat().st_size < 1_000_000  # the graph alone: the weights are in the data file
    assert (version / layout.QUERY_DATA).stat().st_mode & 0o777 == (version / layout.QUERY_ONNX).stat().st_mode & 0o777


def _one_file(shipped_index, dst: Path) -> Path:
    """The shipped MiniLM export as one file, the form exported before the weights moved beside the graph."""
    import onnx

    src = _onnx(shipped_index).parent
    for name in (layout.QUERY_ONNX, layout.QUERY_DATA):  # copies: onnx will not read a weights file with hard links
        shutil.copyfile(src / name, dst / name)
    single = dst / "single.onnx"
    onnx.save_model(onnx.load(str(dst / layout.QUERY_ONNX)), str(single))
    for name in (layout.QUERY_ONNX, layout.QUERY_DATA):
        (dst / name).unlink()
    return single


def test_an_export_cached_as_one_file_is_split_not_exported_again(shipped_index, tmp_path, monkeypatch, model_dir):
    from core.model import sha256_file
    from core.onnx_export import _key, place
    from core.spec import MINILM

    monkeypatch.setenv("MYTHQA_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / layout.EXPORT_CACHE / _key(dict(MINILM.files))
    folder.mkdir(parents=True)
    _one_file(shipped_index, tmp_path).rename(folder / layout.QUERY_ONNX)
    old = {"backend": "onnx", "file": layout.QUERY_ONNX, "sha256": sha256_file(folder / layout.QUERY_ONNX), "max_abs_diff": 1e-7}
    (folder / "query_encoder.json").write_text(json.dumps(old))
    version = tmp_path / "version"
    version.mkdir()

    def never():
        raise AssertionError("exported again")

    entry = place(version, MINILM, model_dir, never, None)
    assert entry["backend"] == "onnx" and entry["max_abs_diff"] == 1e-7
    assert sorted(p.name for p in version.iterdir()) == [layout.QUERY_ONNX, layout.QUERY_DATA]
    assert sha256_file(version / layout.QUERY_DATA) == entry["data_sha256"]
    assert json.loads((folder / "query_encoder.json").read_text()) == entry  # the cache holds the split export now
    reference = Engine.load(shipped_index).encoder
    split = OnnxQueryEncoder(version / layout.QUERY_ONNX, MINILM, model_dir)
    assert np.array_equal(split.embed("Who promotes the myth?"), reference.embed("Who promotes the myth?"))


def test_a_tuned_export_cached_as_one_file_is_kept_without_training(shipped_index, tmp_path):
    from core.model import sha256_file
    from learn.tune.publish import cache_key, cached_export

    record = {"base": {"x": "1"}, "pairs_sha256": "p", "settings": {"epochs": 3}, "side": "query"}
    folder = tmp_path / cache_key(record)
    folder.mkdir()
    _one_file(shipped_index, tmp_path).rename(folder / layout.QUERY_ONNX)
    (folder / "query_encoder.json").write_text(json.dumps({"sha256": sha256_file(folder / layout.QUERY_ONNX), "max_abs_diff": 1e-7}))
    assert cached_export(record, tmp_path) == folder / layout.QUERY_ONNX
    meta = json.loads((folder / "query_encoder.json").read_text())
    assert meta["data_sha256"] == sha256_file(folder / layout.QUERY_DATA) and meta["max_abs_diff"] == 1e-7
    (folder / layout.QUERY_DATA).write_bytes(b"altered")
    assert cached_export(record, tmp_path) is None  # an export that no longer matches its record is trained again
