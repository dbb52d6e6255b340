"""A hostile or careless corpus: loops, unreadable folders, pipes, devices, odd encodings, odd names, huge files."""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import socket
import stat
import subprocess
import sys
import threading

import pytest

from core import layout
from core.artifacts import load_index
from ingest.build import run_ingest
from ingest.load import Limits, decode_text
from ingest.report import render
from tests.conftest import HASH, ROOT, SEED

GOOD = "Myth 1: ‘A good myth’\nWhat is the myth?\nA plain claim about tanks.\n"


def _ingest(corpus, index, **kw):
    """run_ingest in a thread, so a run blocked on a pipe fails the test instead of hanging the session."""
    out = {}

    def run():
        try:
            out["report"] = run_ingest(corpus, index, models=(HASH,), progress=False, **kw)
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread below
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    if t.is_alive():  # unblock the reader (opening a pipe for writing, then closing it, gives it an end), then fail
        for p in corpus.rglob("*"):
            if p.is_fifo():
                try:
                    os.close(os.open(p, os.O_WRONLY | os.O_NONBLOCK))
                except OSError:
                    pass
        t.join(10)
        pytest.fail("ingestion blocked on a pipe")
    if "error" in out:
        raise out["error"]
    return out["report"]


def _skipped(report) -> dict[str, str]:
    return {f.source: f.reason for f in report.files if f.status == "skipped"}


def _rest_published(report, index, sources=("good.txt",)):
    assert report.exit_code == 1 and report.published, report.message
    assert set(sources) <= {c.source for c in load_index(index).chunks}


def test_symlink_loops_are_skipped_with_a_reason(corpus_dir, tmp_path):
    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "a.txt").symlink_to(corpus_dir / "b.txt")
    (corpus_dir / "b.txt").symlink_to(corpus_dir / "a.txt")
    (corpus_dir / "self").symlink_to(corpus_dir / "self")  # a folder-like name: os.walk lists a looping link as a file
    (corpus_dir / "sub").mkdir()
    (corpus_dir / "sub" / "up").symlink_to(corpus_dir)  # a cycle through a real folder: never followed
    report = _ingest(corpus_dir, tmp_path / "index")
    skipped = _skipped(report)
    assert set(skipped) == {"a.txt", "b.txt", "self"}
    assert all("symlink loop" in why for why in skipped.values()), skipped
    _rest_published(report, tmp_path / "index")


def _run_without_root_bypass(corpus, index) -> dict:
    """Ingest in a child that cannot bypass file permissions: as root, with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped."""
    code = (
        "import json, sys; from pathlib import Path; from core import spec; from core.spec import hash_spec;"
        "spec.register(hash_spec('hash')); from ingest.build import run_ingest;"
        "r = run_ingest(Path(sys.argv[1]), Path(sys.argv[2]), models=('hash',), progress=False);"
        "skipped = {f.source: f.reason for f in r.files if f.status == 'skipped'};"
        "print(json.dumps({'exit': r.exit_code, 'published': r.published, 'skipped': skipped}))"
    )
    cmd = [sys.executable, "-c", code, str(corpus), str(index)]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="root bypasses chmod 000 and setpriv is missing")
def test_unreadable_folder_is_reported_not_silently_dropped(corpus_dir, tmp_path):
    (corpus_dir / "good.txt").write_text(GOOD)
    locked = corpus_dir / "locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text("A text nobody can list.\n")
    locked.chmod(0)  # root ignores this; the child runs without the capabilities that let it
    try:
        result = _run_without_root_bypass(corpus_dir, tmp_path / "index")
    finally:
        locked.chmod(0o755)
    assert result["exit"] == 1 and result["published"]
    assert "cannot read the folder" in result["skipped"]["locked"] and "permissions" in result["skipped"]["locked"]


def test_unlistable_folder_code_path(corpus_dir, tmp_path, monkeypatch):
    """The same case in-process, everywhere: os.walk's listing of one folder raises PermissionError."""
    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = _ingest(corpus_dir, tmp_path / "index")
    assert "cannot read the folder: Permission denied" in _skipped(report)["locked"]
    _rest_published(report, tmp_path / "index")


def test_pipes_devices_and_sockets_are_skipped_by_type(corpus_dir, tmp_path):
    (corpus_dir / "good.txt").write_text(GOOD)
    os.mkfifo(corpus_dir / "pipe.txt")
    os.mkfifo(corpus_dir / ".hidden-pipe")
    (corpus_dir / "link.md").symlink_to(corpus_dir / ".hidden-pipe")
    expected = {"pipe.txt": "named pipe (FIFO)", "link.md": "named pipe (FIFO)", "sock.txt": "a socket"}
    try:
        os.mknod(corpus_dir / "zero.txt", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # what /dev/zero is
        expected["zero.txt"] = "a character device"
    except PermissionError:
        pass  # not root here: pipes and sockets still show the rule
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(corpus_dir / "sock.txt"))
        report = _ingest(corpus_dir, tmp_path / "index")
    skipped = _skipped(report)
    assert set(skipped) == set(expected)
    for name, kind in expected.items():
        assert kind in skipped[name] and "not a regular file" in skipped[name], (name, skipped[name])
    _rest_published(report, tmp_path / "index")


def test_a_file_swapped_for_a_pipe_after_listing_does_not_block(corpus_dir, tmp_path, monkeypatch):
    """Listing checks the type with stat; reading checks it again on the open descriptor (opened non-blocking)."""
    import ingest.build as build

    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "swap.txt").write_text("A regular file while it is listed.\n")
    real = build.discover

    def discover_then_swap(corpus, limits):
        found = real(corpus, limits)
        (corpus_dir / "swap.txt").unlink()
        os.mkfifo(corpus_dir / "swap.txt")
        return found

    monkeypatch.setattr(build, "discover", discover_then_swap)
    report = _ingest(corpus_dir, tmp_path / "index")
    assert "named pipe (FIFO)" in _skipped(report)["swap.txt"]
    _rest_published(report, tmp_path / "index")


def test_utf16_and_utf32_with_a_byte_order_mark_are_text(corpus_dir, tmp_path):
    text = "Myth 2: ‘Unicode myth’\nWhat is the myth?\nA claim saved as “Unicode text”: déjà vu, Straße, Россия.\n"
    (corpus_dir / "u16le.txt").write_bytes(text.encode("utf-16"))  # BOM + native (little-endian) order
    (corpus_dir / "u16be.txt").write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    (corpus_dir / "u32.md").write_bytes(text.encode("utf-32"))
    (corpus_dir / "bad16.txt").write_bytes(b"\xff\xfe" + "A lone surrogate:".encode("utf-16-le") + b"\x00\xd8")
    report = _ingest(corpus_dir, tmp_path / "index")
    assert "byte-order mark but is not valid UTF-16" in _skipped(report)["bad16.txt"]
    chunks = load_index(tmp_path / "index").chunks
    for name in ("u16le.txt", "u16be.txt", "u32.md"):
        assert any("Россия" in c.text for c in chunks if c.source == name), name
    assert decode_text(b"\x00\x00\xfe\xff" + text.encode("utf-32-be"))[1] == "utf-32"


def _noise_samples() -> dict[str, bytes]:
    rng = random.Random(0)
    seed = SEED.read_text(encoding="utf-8")
    printable = bytes(rng.randrange(0x20, 0x100) for _ in range(30000))
    high = [*range(0xD8), *range(0xE0, 0x100)]  # high bytes of 16-bit units, surrogates left out so that it decodes
    return {
        "random bytes 0x20-0xff (latin-1)": printable[:20000],
        "random bytes 0x01-0xff (latin-1)": bytes(rng.randrange(1, 0x100) for _ in range(20000)),
        "printable random bytes cp1252 can decode": bytes(b for b in printable if b not in b"\x81\x8d\x8f\x90\x9d")[:20000],
        "gzip with its NULs removed": gzip.compress(seed.encode()).replace(b"\x00", b""),
        "a PNG with its NULs removed": (ROOT / "docs" / "screenshot.png").read_bytes()[:65536].replace(b"\x00", b""),
        "random bytes behind a UTF-16 mark": b"\xff\xfe" + bytes(rng.choice(high) if i % 2 else rng.randrange(256) for i in range(4000)),
    }


def _texts() -> dict[str, tuple[bytes, str]]:
    fr = "« Le café était fermé », dit-il. À Paris, l’été dernier, une crème brûlée coûtait 5 € — très cher.\n" * 30
    de = "Die Straße führt über die Brücke. Größere Häuser stehen am Fluß; Öl und Äpfel sind teuer.\n" * 30
    return {
        "the Myth 10 text in cp1252 (curly quotes, dashes)": (SEED.read_text(encoding="utf-8").encode("cp1252"), "cp1252"),
        "French in cp1252": (fr.encode("cp1252"), "cp1252"),
        "German in latin-1 with a byte cp1252 leaves undefined": (de.encode("latin-1") + b"\x9d", "latin-1"),
        "a markdown table in UTF-8": (("| year | a | b |\n|---|---|---|\n" + "| 1999 | 1 | 2 |\n" * 100).encode(), "utf-8"),
        "short cp1252 text": ("Café".encode("cp1252"), "cp1252"),
    }


@pytest.mark.parametrize("name", list(_noise_samples()))
def test_noise_is_binary(name):
    with pytest.raises(ValueError, match="binary content, not text"):
        decode_text(_noise_samples()[name])


@pytest.mark.parametrize("name", list(_texts()))
def test_european_texts_still_decode(name):
    data, encoding = _texts()[name]
    assert decode_text(data)[1] == encoding


def test_latin1_noise_file_is_skipped_and_cp1252_text_kept(corpus_dir, tmp_path):
    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "noise.txt").write_bytes(_noise_samples()["random bytes 0x20-0xff (latin-1)"])
    (corpus_dir / "quotes.txt").write_bytes("Myth 4: ‘Curly’\nWhat is the myth?\n“It’s déjà vu”, she said… Ça va.\n".encode("cp1252"))
    report = _ingest(corpus_dir, tmp_path / "index")
    assert set(_skipped(report)) == {"noise.txt"} and "control or unassigned characters" in _skipped(report)["noise.txt"]
    assert any("“It’s déjà vu”" in c.text for c in load_index(tmp_path / "index").chunks)


def test_names_with_control_characters_keep_the_report_one_line_per_file(corpus_dir, tmp_path):
    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "evil\nname\x1b[31m.txt").write_text("A text with a hostile name.\n")
    (corpus_dir / "tab\there\r.md").write_text("Another one.\n")
    (corpus_dir / "\u202eexe.pptx").write_bytes(b"PK")  # right-to-left override: would print reversed
    report = _ingest(corpus_dir, tmp_path / "index")
    out = render(report)
    file_lines = out.split("Files:\n")[1].split("\nMyths:")[0].splitlines()
    assert len(file_lines) == 4, file_lines
    assert "  added     evil\\nname\\x1b[31m.txt (1 chunks, 1 sentences)" in file_lines
    assert any(line.startswith("  added     tab\\there\\r.md") for line in file_lines)
    assert any(line.startswith("  skipped   \\u202eexe.pptx — unsupported") for line in file_lines)
    assert not any(ch in out for ch in "\x1b\r\t\u202e")
    assert "evil\nname\x1b[31m.txt" in {c.source for c in load_index(tmp_path / "index").chunks}  # the name itself is kept


def test_a_file_name_that_is_not_utf8_is_skipped_not_a_crash(corpus_dir, tmp_path):
    (corpus_dir / "good.txt").write_text(GOOD)
    with open(os.path.join(os.fsencode(corpus_dir), b"caf\xe9.txt"), "wb") as f:  # a Latin-1 name, from an old archive
        f.write(b"Some text.\n")
    report = _ingest(corpus_dir, tmp_path / "index")
    assert _skipped(report) == {"caf\\xe9.txt": "the file name is not valid UTF-8; rename the file"}
    _rest_published(report, tmp_path / "index")
    assert "caf\\xe9.txt" in layout.read_manifest(layout.resolve(tmp_path / "index"))["files"]


def _lines(n: int) -> str:
    return "".join(f"w{i:06d}\n" for i in range(n))  # 8 bytes a line: a million of them is the 7.9 MB of the issue


def test_a_file_of_many_short_lines_is_refused_before_chunking(corpus_dir, tmp_path, monkeypatch):
    import ingest.chunk

    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "lines.txt").write_text(_lines(100_000))  # 0.8 MB, far below the byte cap
    chunked = []
    real = ingest.chunk.chunk_document
    monkeypatch.setattr(ingest.chunk, "chunk_document", lambda doc, *a, **k: chunked.append(doc.source) or real(doc, *a, **k))
    report = _ingest(corpus_dir, tmp_path / "index")  # default limits
    why = _skipped(report)["lines.txt"]
    assert "300,000 texts to embed (at least 100,000 paragraphs, 1 model)" in why
    assert f"over the per-file limit of {Limits().max_file_texts:,}; raise it with --max-file-texts N" in why
    assert chunked == ["good.txt"]
    _rest_published(report, tmp_path / "index")


def test_the_file_limit_sticks_until_it_is_raised(corpus_dir, tmp_path):
    index = tmp_path / "index"
    (corpus_dir / "good.txt").write_text(GOOD)
    (corpus_dir / "long.txt").write_text("A sentence. Another one.\n\n" * 60)
    small = Limits(max_file_texts=100)
    first = _ingest(corpus_dir, index, limits=small)
    assert "over the per-file limit of 100" in _skipped(first)["long.txt"] and first.exit_code == 1
    again = _ingest(corpus_dir, index, limits=small)
    assert again.published is None and "long.txt" in _skipped(again)  # same limit: not read again
    raised = _ingest(corpus_dir, index, limits=Limits(max_file_texts=None))
    assert {f.source: f.status for f in raised.files}["long.txt"] == "added" and raised.exit_code == 0


def test_a_pdf_skipped_for_time_is_parsed_again_when_the_timeout_is_raised(corpus_dir, tmp_path):
    from tests.helpers_pdf import write_pdf

    write_pdf(corpus_dir / "slow.pdf", [["Some text on a page."]])
    assert "--pdf-timeout" in _skipped(_ingest(corpus_dir, tmp_path / "i", limits=Limits(pdf_seconds=0.001)))["slow.pdf"]
    assert {f.source: f.status for f in _ingest(corpus_dir, tmp_path / "i", limits=Limits(pdf_seconds=60)).files} == {"slow.pdf": "added"}


def test_the_run_limit_leaves_files_for_the_next_run(corpus_dir, tmp_path):
    index = tmp_path / "index"
    for i in range(3):
        (corpus_dir / f"part{i}.txt").write_text(f"Part {i} says one thing. It says another. " * 5 + "\n")  # 1 chunk, 10 sentences
    limits = Limits(max_run_texts=25)  # 12 texts per file with the hash model: two fit
    first = _ingest(corpus_dir, index, limits=limits)
    assert set(_skipped(first)) == {"part2.txt"} and "run limit reached" in _skipped(first)["part2.txt"]
    assert first.exit_code == 1 and first.embedded == 2
    assert any("1 file(s) (12 texts) left for the next run" in w and "--max-run-texts" in w for w in first.warnings)
    second = _ingest(corpus_dir, index, limits=limits)
    assert {f.source: f.status for f in second.files} == {"part0.txt": "unchanged", "part1.txt": "unchanged", "part2.txt": "added"}
    assert second.exit_code == 0 and second.embedded == 1
    assert _ingest(corpus_dir, index, limits=limits).message == "Index is up to date; nothing to do."


def test_a_new_model_on_kept_files_counts_against_the_run_limit(seed_corpus, tmp_path):
    from core import spec
    from core.spec import hash_spec

    index = tmp_path / "index"
    _ingest(seed_corpus, index)
    before = layout.current_version(index)
    spec.register(hash_spec("hash-small", dimension=16))
    try:
        report = run_ingest(seed_corpus, index, models=(HASH, "hash-small"), progress=False, limits=Limits(max_run_texts=100))
    finally:
        spec.unregister("hash-small")
    assert report.exit_code == 2 and "raise --max-run-texts to at least 139" in report.message
    assert layout.current_version(index) == before
