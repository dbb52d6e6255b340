"""What killed runs leave behind is removed by the next run, never while a live run writes it; a waiting run is told who holds the index."""

from __future__ import annotations

import os
import socket
import threading
import time

from core import layout
from core.artifacts import load_index
from ingest.build import run_ingest
from tests.conftest import HASH


def _build(corpus, index, **kw):
    return run_ingest(corpus, index, models=(HASH,), progress=False, **kw)


def _versions(index) -> list[str]:
    return sorted(p.name for p in (index / layout.VERSIONS).iterdir())


def test_stale_builds_and_pointer_files_go_even_when_nothing_changed(seed_corpus, tmp_path):
    index = tmp_path / "index"
    _build(seed_corpus, index)
    current = layout.current_version(index)
    stale_build = index / layout.VERSIONS / (layout.BUILDING_PREFIX + "20200101T000000000000-deadbeef")
    (stale_build / "models").mkdir(parents=True)
    stale_pointer = index / f".{layout.POINTER}.99999.tmp"
    stale_pointer.write_text("20200101T000000000000-deadbeef\n")
    stale_history = index / f"{layout.HISTORY}.99999.tmp"
    stale_history.write_text("x\n")
    keep = index / ".CURRENT.notes"  # not a name the layout uses: left alone
    keep.write_text("mine")
    report = _build(seed_corpus, index)
    assert report.message == "Index is up to date; nothing to do."
    assert not stale_build.exists() and not stale_pointer.exists() and not stale_history.exists() and keep.exists()
    assert layout.current_version(index) == current and len(load_index(index).chunks) == 30


def test_a_dry_run_removes_nothing(seed_corpus, tmp_path):
    index = tmp_path / "index"
    _build(seed_corpus, index)
    stale = index / layout.VERSIONS / (layout.BUILDING_PREFIX + "x")
    stale.mkdir()
    _build(seed_corpus, index, dry_run=True)
    assert stale.exists()


def test_an_orphan_older_than_the_published_version_is_never_kept(seed_corpus, tmp_path):
    index = tmp_path / "index"
    for _ in range(3):
        _build(seed_corpus, index, full=True)
    published = _versions(index)
    assert len(published) == layout.KEEP_VERSIONS
    # A run killed between its rename and its pointer swap, before the last publish: its name sorts before CURRENT.
    orphan = index / layout.VERSIONS / (published[-1][:-9] + "-00000000")  # sorts before any other random suffix
    orphan.mkdir()
    assert sorted([*published, orphan.name])[-2] == orphan.name
    with layout.writer_lock(index):
        layout.cleanup(index)
    assert _versions(index) == published  # all three published versions kept, the orphan gone
    (seed_corpus / "extra.txt").write_text("One more text.\n")
    _build(seed_corpus, index)
    assert _versions(index) == [*published[1:], layout.current_version(index)]


def test_an_index_from_before_the_history_keeps_the_old_rule(seed_corpus, tmp_path):
    index = tmp_path / "index"
    for _ in range(2):
        _build(seed_corpus, index, full=True)
    (index / layout.HISTORY).unlink()
    names = _versions(index)
    newer_orphan = index / layout.VERSIONS / (names[-1][:-9] + "9-orphaned")
    newer_orphan.mkdir()
    with layout.writer_lock(index):
        layout.cleanup(index)
    assert _versions(index) == names
    assert (index / layout.HISTORY).read_text().split() == names


def test_half_written_exports_in_the_cache_go_unless_an_export_holds_the_folder(seed_corpus, tmp_path, export_cache):
    index = tmp_path / "index"
    dead = export_cache / layout.EXPORT_CACHE / "0123456789abcdef"
    live = export_cache / layout.EXPORT_CACHE / "fedcba9876543210"
    for folder in (dead, live):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f".{layout.QUERY_ONNX}.99999").write_bytes(b"half an export")
        (folder / ".query_encoder.json.99999").write_text('{"backend": "on')
        (folder / ".query_encoder.dir.99999").mkdir()  # where a graph and its weights were being written
        (folder / ".query_encoder.dir.99999" / layout.QUERY_DATA).write_bytes(b"half the weights")
        (folder / layout.QUERY_ONNX).write_bytes(b"a finished export")
    taken, release = threading.Event(), threading.Event()

    def exporter():  # a live export in another run holds its folder's lock
        with layout.file_lock(live / layout.LOCK):
            taken.set()
            release.wait(30)

    t = threading.Thread(target=exporter)
    t.start()
    taken.wait(10)
    try:
        _build(seed_corpus, index)
    finally:
        release.set()
        t.join()
    assert sorted(p.name for p in dead.iterdir()) == [layout.LOCK, layout.QUERY_ONNX]
    assert len(list(live.iterdir())) == 5  # the live export's files, its folder, its record and the lock


def test_a_waiting_run_names_the_holder_and_leaves_its_build_alone(seed_corpus, tmp_path, capsys):
    from ingest.__main__ import main

    index = tmp_path / "index"
    _build(seed_corpus, index)
    live_build = index / layout.VERSIONS / (layout.BUILDING_PREFIX + "live")
    taken, seen = threading.Event(), []

    def holder():  # another ingestion, mid-build, for a few seconds
        with layout.writer_lock(index):
            live_build.mkdir()
            taken.set()
            time.sleep(2.5)
            seen.append(live_build.exists())  # the waiting run never touched it
            # killed here: the build stays behind, now stale

    t = threading.Thread(target=holder)
    t.start()
    taken.wait(10)
    started = time.time()
    code = main(["--corpus", str(seed_corpus), "--index", str(index), "--models", HASH, "--quiet", "--full"])
    t.join()
    err = capsys.readouterr().err
    assert code == 0 and seen == [True] and not live_build.exists()
    assert f"another ingestion holds it (pid {os.getpid()} on {socket.gethostname()} since " in err, err
    assert "This run goes on when that one ends" in err and err.count("Waiting for") == 1
    holder_info = layout.read_holder(index / layout.LOCK)
    assert holder_info.pid is None  # released: the name goes with the lock
    assert time.time() - started >= 2


def test_the_lock_file_names_its_holder(tmp_path):
    index = tmp_path / "index"
    with layout.writer_lock(index):
        holder = layout.read_holder(index / layout.LOCK)
        assert holder.pid == os.getpid() and holder.host == socket.gethostname() and abs(holder.since - time.time()) < 60
        assert holder.describe().startswith(f"pid {os.getpid()} on {socket.gethostname()} since 20")


def test_ctrl_c_while_waiting_is_a_message_not_a_traceback(seed_corpus, tmp_path, capsys, monkeypatch):
    import ingest.build
    from ingest.__main__ import main

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest.build, "run_ingest", interrupted)
    assert main(["--corpus", str(seed_corpus), "--index", str(tmp_path / "index"), "--models", HASH]) == 130
    assert capsys.readouterr().err.startswith("Interrupted. The published index is complete either way")


def test_tuned_exports_no_version_links_are_pruned_but_one_spare(tmp_path):
    """Ten tunings leave ten exports in the cache; those a version hard-links stay, and the newest unused one."""
    import os

    from core.onnx_export import prune_tuned_cache

    root = tmp_path / "tuned"
    for i in range(10):
        folder = root / f"tuning{i}"
        folder.mkdir(parents=True)
        (folder / layout.QUERY_ONNX).write_bytes(b"onnx" * 10)
        os.utime(folder / layout.QUERY_ONNX, (1_700_000_000 + i, 1_700_000_000 + i))
    (root / "half-written").mkdir()  # no finished export: not ours to judge
    version = tmp_path / "index" / "versions" / "v1"
    version.mkdir(parents=True)
    os.link(root / "tuning3" / layout.QUERY_ONNX, version / layout.QUERY_ONNX)  # what learn.tune.publish does
    removed = prune_tuned_cache(root, spares=1)
    assert sorted(removed) == sorted(f"tuning{i}" for i in (0, 1, 2, 4, 5, 6, 7, 8))
    assert sorted(p.name for p in root.iterdir()) == ["half-written", "tuning3", "tuning9"]
    assert (version / layout.QUERY_ONNX).read_bytes() == b"onnx" * 10  # the version keeps its file
    assert prune_tuned_cache(root, spares=1) == []


def test_a_damaged_version_is_reported_rebuilt_and_not_kept(seed_corpus, tmp_path):
    """A dry run says the published version is damaged; the rebuild does not count it among the versions kept."""
    index = tmp_path / "index"
    for _ in range(3):
        _build(seed_corpus, index, full=True)
    published = _versions(index)
    damaged = layout.resolve(index)
    (damaged / layout.MANIFEST).write_text("{ truncated")
    dry = run_ingest(seed_corpus, index, dry_run=True, models=(HASH,), progress=False)
    assert any("cannot be read (its manifest is damaged)" in w for w in dry.warnings)
    assert _versions(index) == published  # a dry run writes nothing
    report = _build(seed_corpus, index)
    assert any("cannot be read" in w for w in report.warnings)
    assert any("if the damaged version's query encoder was tuned" in w for w in report.warnings)
    assert damaged.name not in _versions(index)
    assert _versions(index) == [*published[:-1], layout.current_version(index)]  # the two intact ones and the new one
