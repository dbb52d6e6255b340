"""Each bad file is skipped with a one-line reason; the run goes on and the previous index survives."""

from __future__ import annotations

import os

import pytest

from core import layout
from core.artifacts import load_index
from ingest.build import run_ingest
from ingest.load import Limits
from tests.conftest import HASH, SEED
from tests.helpers_pdf import write_pdf


def _encrypted_pdf(path, tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", [["Myth 5: ‘Secret’", "Hidden text."]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    writer.write(path)


def _scanned_pdf(path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 140, style="F")  # a picture, no text layer
    pdf.output(str(path))


BAD = {
    "empty.txt": "empty file",
    "junk.txt": "binary content, not text",
    "corrupt.pdf": "corrupt PDF",
    "locked.pdf": "encrypted PDF",
    "scan.pdf": "no extractable text",
    "big.md": "over the",
    "slides.pptx": "unsupported file type '.pptx'",
    "outside.txt": "symlink leading outside the corpus",
    "dangling.txt": "cannot read the file",
}


@pytest.fixture
def bad_corpus(seed_corpus, tmp_path):
    c = seed_corpus
    (c / "empty.txt").write_bytes(b"")
    (c / "junk.txt").write_bytes(os.urandom(4096) + b"\x00\x00")
    (c / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer garbage")
    _encrypted_pdf(c / "locked.pdf", tmp_path)
    _scanned_pdf(c / "scan.pdf")
    (c / "big.md").write_text("word " * 400_000)
    (c / "slides.pptx").write_bytes(b"PK\x03\x04")
    secret = tmp_path / "secret.txt"
    secret.write_text("Myth 99: ‘Outside’\nShould never be read.\n")
    (c / "outside.txt").symlink_to(secret)
    (c / "dangling.txt").symlink_to(c / "missing-target.txt")
    (c / "cp1252.txt").write_bytes("Myth 8: ‘Caf\xe9 myth’\nWhat is the myth?\nA na\xefve claim.\n".encode("cp1252"))
    return c


def test_bad_files_are_skipped_with_reasons(bad_corpus, tmp_path):
    index = tmp_path / "index"
    report = run_ingest(bad_corpus, index, progress=False, models=(HASH,), limits=Limits(max_bytes=1_000_000))
    reasons = {f.source: f.reason for f in report.files if f.status == "skipped"}
    assert set(reasons) == set(BAD)
    for name, expected in BAD.items():
        assert expected in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name]
    assert report.exit_code == 1 and report.published
    data = load_index(index)
    assert {c.source for c in data.chunks} == {SEED.name, "cp1252.txt"}
    cp = [c for c in data.chunks if c.source == "cp1252.txt"]
    assert cp[0].title == "Café myth" and any(c.text == "A naïve claim." for c in cp)
    added = {f.source: f.reason for f in report.files if f.status == "added"}
    assert "decoded as cp1252" in added["cp1252.txt"]
    assert not any("Outside" in c.text for c in data.chunks)


def test_unchanged_bad_files_stay_skipped_without_reparsing(bad_corpus, tmp_path):
    index = tmp_path / "index"
    limits = Limits(max_bytes=1_000_000)
    run_ingest(bad_corpus, index, progress=False, models=(HASH,), limits=limits)
    again = run_ingest(bad_corpus, index, progress=False, limits=limits)
    assert again.published is None and not again.model_loaded
    assert {f.source for f in again.files if f.status == "skipped"} == set(BAD)
    assert again.exit_code == 1


def test_hanging_pdf_is_bounded_in_time(corpus_dir, tmp_path):
    write_pdf(corpus_dir / "slow.pdf", [["Some text."]])
    (corpus_dir / "ok.txt").write_text("A fine text.\n")
    report = run_ingest(corpus_dir, tmp_path / "i", progress=False, models=(HASH,), limits=Limits(pdf_seconds=0.001))
    skipped = {f.source: f.reason for f in report.files if f.status == "skipped"}
    assert "took over" in skipped["slow.pdf"] and report.exit_code == 1


def test_ballooning_pdf_is_bounded_in_memory(corpus_dir, tmp_path):
    write_pdf(corpus_dir / "big.pdf", [["Some text."]])
    (corpus_dir / "ok.txt").write_text("A fine text.\n")
    limits = Limits(pdf_memory_bytes=32 * 1024 * 1024)  # far too small for the parser
    report = run_ingest(corpus_dir, tmp_path / "i", progress=False, models=(HASH,), limits=limits)
    skipped = {f.source: f.reason for f in report.files if f.status == "skipped"}
    assert "ran out of its memory bound" in skipped["big.pdf"]


def test_only_bad_files_leave_the_previous_index_intact(seed_corpus, tmp_path):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, progress=False, models=(HASH,))
    before = layout.current_version(index)
    (seed_corpus / SEED.name).unlink()
    (seed_corpus / "empty.txt").write_bytes(b"")
    report = run_ingest(seed_corpus, index, progress=False, models=(HASH,))
    assert report.exit_code == 2 and report.published is None
    assert layout.current_version(index) == before
    assert len(load_index(index).chunks) == 30
