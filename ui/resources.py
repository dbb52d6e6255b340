"""Process-wide resources: the model loaded once, the engines of the last two published versions, the index facts."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core import layout
from qa.published import Published

_preloaded_encoder = None
log = logging.getLogger("mythqa.app")


def preload_encoder(encoder) -> None:
    """Use an already loaded all-MiniLM-L6-v2 instead of loading one (tests; hosts that embed the app)."""
    global _preloaded_encoder
    _preloaded_encoder = encoder


@st.cache_resource(show_spinner="Loading the language model (first start only)…")
def _load_encoder():
    from core.spec import MINILM

    t0 = time.perf_counter()
    encoder = MINILM.document_encoder(MINILM.model_dir())
    log.info("model loaded in %.1f s", time.perf_counter() - t0)
    return encoder


def encoder():
    """The sentence encoder, loaded once per process and shared by every session and index version."""
    return _preloaded_encoder if _preloaded_encoder is not None else _load_encoder()


@dataclass(frozen=True)
class IndexFacts:
    """What the page shows about one published index version; cheap to read (no model, no vectors)."""

    version: str
    manifest: dict
    myths: tuple[tuple[int, str], ...]  # (number, title)
    sections: tuple[str, ...]  # in reading order


@st.cache_resource(max_entries=3, show_spinner=False)
def _facts(index_dir: str, version: str) -> IndexFacts:
    from core.artifacts import read_chunks
    from core.compat import REBUILD, IndexFormatError

    version_dir = layout.resolve(Path(index_dir))
    try:
        manifest = layout.read_manifest(version_dir)
        myths = tuple(sorted({(m["myth"], m["title"] or "") for m in manifest.get("myths", []) if m.get("myth") is not None}))
        sections = tuple(dict.fromkeys(c.section for c in read_chunks(version_dir) if c.section))
        return IndexFacts(manifest["version"], manifest, myths, sections)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:  # one message for every kind of damage
        raise IndexFormatError(f"The index in {version_dir} is damaged ({e}): {REBUILD}.") from e


def facts(index_dir: Path) -> IndexFacts | None:
    """Facts about the index published right now, or None when nothing is published."""
    version = layout.current_version(index_dir)
    return None if version is None else _facts(str(Path(index_dir).resolve()), version)


def _load_engine(index_dir: Path):
    from core.spec import MINILM
    from qa.engine import Engine

    # An index with ONNX query encoders needs no PyTorch model: the server starts in seconds. A preloaded model
    # serves only as the PyTorch fallback of its own spec.
    loaded = Engine.load(Path(index_dir), encoders={MINILM.key: _preloaded_encoder} if _preloaded_encoder is not None else None)
    if _large(loaded.index):
        threading.Thread(target=_check_in_background, args=(loaded.index.path, loaded.version), daemon=True).start()
    return loaded


_held: dict[str, Published] = {}  # resolved index folder -> its engines, for the life of the process
_held_lock = threading.Lock()


def _published(index_dir: Path) -> Published:
    """The process-wide holder of ``index_dir``'s engines: two versions at most, older ones released (qa.published)."""
    key = str(Path(index_dir).resolve())
    with _held_lock:
        if key not in _held:
            _held[key] = Published(Path(key), load=_load_engine, logger=log)
        return _held[key]


_damaged: dict[str, str] = {}  # version -> what the background check found


def _large(index) -> bool:
    """Over core.verify.FULL_CHECK_BYTES the load checked sizes only: the hashes are checked in the background."""
    from core.verify import FULL_CHECK_BYTES

    sizes = index.manifest.get("artifact_bytes") or {}
    return sum(v for k, v in sizes.items() if not k.endswith((layout.QUERY_ONNX, layout.QUERY_DATA))) > FULL_CHECK_BYTES


def _check_in_background(version_dir: Path, version: str) -> None:
    """The full hash check of a large index while it already answers; a damage found stops it answering."""
    from core.errors import MythQAError
    from core.verify import verify_files

    try:
        verify_files(version_dir, layout.read_manifest(version_dir), full=True)
        log.info("index %s: background check passed, every sha256 matches", version)
    except (MythQAError, OSError, ValueError) as e:
        log.error("index %s failed its background check: %s", version, e)
        _damaged[version] = str(e)


def engine(index_dir: Path):
    """The qa.engine.Engine for the index version published right now, or None when nothing is published.

    Keyed by the version in the pointer file, so a new `python -m ingest` is picked up on the next question;
    callers hold the returned engine for a whole question, so a swap mid-question cannot mix versions.
    """
    version = layout.current_version(index_dir)
    if version in _damaged:
        from core.compat import IndexFormatError

        raise IndexFormatError(_damaged[version])
    if version is None:
        return None
    held = _published(index_dir)
    if held.holds(version):
        return held.current()
    with st.spinner("Loading the index…"):  # only when no warm-up got there first (a publish a moment ago)
        return held.current()


def loaded(index_dir: Path) -> tuple[str, ...]:
    """The versions of ``index_dir`` this process holds loaded, oldest first."""
    return _published(index_dir).loaded()


_warming: dict[str, threading.Thread] = {}


def warm(index_dir: Path) -> threading.Thread:
    """Load and warm the published engine in a background thread, once per process and index folder: the server does it
    when it starts, so the first visitor never waits on the index. Errors are left for the page to show."""
    key = str(Path(index_dir).resolve())
    with _held_lock:
        if key not in _warming:
            _warming[key] = threading.Thread(target=_warm, args=(Path(key),), name="mythqa-warm", daemon=True)
            _warming[key].start()
        return _warming[key]


def _warm(index_dir: Path) -> None:
    from core.errors import MythQAError

    try:
        _published(index_dir).current()  # no spinner: no page is waiting on this thread
    except (MythQAError, OSError) as e:  # the page says what to do when a visitor comes
        log.warning("no index warmed up at start: %s", e)
    except Exception:  # noqa: BLE001 - a thread of its own: log it for the operator, the page shows its own message
        log.exception("warming up the index failed")


def build_index(corpus: Path, index_dir: Path, on_progress: Callable[[int, int], None], full: bool = False):
    """Build (or rebuild) the index in-process with the shared model; returns ingest's BuildReport."""
    from core.spec import MINILM
    from ingest.build import run_ingest

    return run_ingest(corpus, index_dir, full=full, progress=False, on_progress=on_progress, encoders={MINILM.key: encoder()})


@dataclass(frozen=True)
class CorpusChanges:
    """Corpus files that differ from what the published index was built from."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in (("added", self.added), ("changed", self.changed), ("removed", self.removed)) if v]
        return ", ".join(parts)


def compare_corpus(found, files: dict) -> CorpusChanges:
    """Compare ``ingest.load.discover`` output with the manifest's ``files`` (source -> {sha256, skip?})."""
    seen = {sf.source: sf for sf in found}
    added = tuple(s for s in seen if s not in files)
    changed = tuple(s for s, sf in seen.items() if s in files and _differs(sf, files[s]))
    removed = tuple(s for s in files if s not in seen)
    return CorpusChanges(added, changed, removed)


def _differs(sf, entry: dict) -> bool:
    # Mirrors ingest's plan: a file skipped before reading is compared by its reason, others by content hash.
    return entry.get("skip") != sf.skip if sf.skip else entry.get("sha256") != sf.sha256


def _stat_signature(corpus: Path) -> tuple:
    """Cheap fingerprint (names, sizes, mtimes): files are re-hashed only when it moves."""
    sig = []
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        for name in sorted(names):
            try:
                st_ = os.stat(os.path.join(root, name))
            except OSError:
                continue
            sig.append((root, name, st_.st_size, st_.st_mtime_ns))
    return tuple(sig)


@st.cache_resource(max_entries=8, show_spinner=False)
def _changes(corpus: str, version: str, signature: tuple, _files: dict) -> CorpusChanges:
    from ingest.load import discover

    return compare_corpus(discover(Path(corpus)), _files)


def corpus_changes(corpus: Path, index: IndexFacts) -> CorpusChanges:
    """What changed in ``corpus`` since the published index was built (nothing when the folder is missing)."""
    if not Path(corpus).is_dir():
        return CorpusChanges()
    return _changes(str(Path(corpus).resolve()), index.version, _stat_signature(Path(corpus)), index.manifest.get("files", {}))


@asynccontextmanager
async def lifespan(_app):
    """The server's start and stop (st.App, see app.py): the published engine warms up while visitors can already connect."""
    from ui import config

    warm(config.from_env().index)
    yield
