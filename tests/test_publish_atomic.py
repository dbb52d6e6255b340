"""Readers see the complete previous index or the complete new one, even when ingestion dies."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from core import layout
from core.artifacts import load_index
from ingest.build import run_ingest
from tests.conftest import HASH, ROOT

# A child that publishes full rebuilds in a loop with the hash embedder: what is under test is
# publishing, so the child needs no real model, and killing it at random instants hits every phase.
CHILD = """
import sys
from pathlib import Path
from core import spec
from core.spec import hash_spec
from ingest.build import run_ingest
spec.register(hash_spec("hash"))
print("ready", flush=True)
while True:
    run_ingest(Path(sys.argv[1]), Path(sys.argv[2]), full=True, progress=False, models=("hash",))
"""


def _consistent(index) -> int:
    data = load_index(index)
    n = len(data.chunks)
    mv = data.models[HASH]
    assert n == data.manifest["counts"]["chunks"] == len(mv.chunk) == len(mv.dense)
    assert len(mv.sentence) == data.manifest["counts"]["sentences"] == len(data.sentence_chunk)
    return n


def test_killed_ingestion_never_tears_the_index(seed_corpus, tmp_path):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, progress=False, models=(HASH,))
    stop, seen, errors = threading.Event(), [], []

    def reader():
        while not stop.is_set():
            try:
                seen.append(_consistent(index))
            except Exception as e:  # noqa: BLE001 - any failure to read is a torn index
                errors.append(repr(e))

    t = threading.Thread(target=reader)
    t.start()
    rng = random.Random(7)
    try:
        for _ in range(6):
            child = subprocess.Popen([sys.executable, "-c", CHILD, str(seed_corpus), str(index)], cwd=ROOT, stdout=subprocess.PIPE)
            assert child.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.2, 2.0))
            child.send_signal(signal.SIGKILL)
            child.wait()
            assert _consistent(index) == 30
    finally:
        stop.set()
        t.join()
    assert not errors, errors[:3]
    assert seen and set(seen) == {30}
    # the next run clears what the killed runs left behind and publishes normally
    run_ingest(seed_corpus, index, full=True, progress=False, models=(HASH,))
    leftovers = [p.name for p in (index / layout.VERSIONS).iterdir() if p.name.startswith(layout.BUILDING_PREFIX)]
    assert leftovers == []
    assert len(list((index / layout.VERSIONS).iterdir())) <= layout.KEEP_VERSIONS


@pytest.mark.parametrize("crash_at", ["fsync_tree", "replace"])
def test_crash_before_the_pointer_swap_keeps_the_old_index(seed_corpus, tmp_path, monkeypatch, crash_at):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, progress=False, models=(HASH,))
    before = layout.current_version(index)

    def crash(*a, **k):
        raise OSError("simulated crash")

    target = layout if crash_at == "fsync_tree" else layout.os
    monkeypatch.setattr(target, crash_at, crash)
    with pytest.raises(OSError, match="simulated crash"):
        run_ingest(seed_corpus, index, full=True, progress=False, models=(HASH,))
    monkeypatch.undo()
    assert layout.current_version(index) == before
    assert _consistent(index) == 30


def test_cleanup_keeps_the_newest_published_versions_and_drops_orphans(seed_corpus, tmp_path):
    index = tmp_path / "index"
    for _ in range(5):  # hash builds finish several times a second: names must still sort in build order
        run_ingest(seed_corpus, index, full=True, progress=False, models=(HASH,))
    current = layout.current_version(index)
    orphan = index / layout.VERSIONS / (current[:-9] + "9-orphaned")  # renamed by a killed run, never published
    orphan.mkdir()
    with layout.writer_lock(index):
        layout.cleanup(index)
    names = sorted(p.name for p in (index / layout.VERSIONS).iterdir())
    assert len(names) == layout.KEEP_VERSIONS and names[-1] == current and orphan.name not in names
