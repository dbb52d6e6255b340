"""Find corpus files and read them into Documents, skipping bad ones with a reason."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.types import Document
from ingest.filetypes import Skipped, SourceFile, Unreadable, check_entry, over_cap, read_regular, source_name
from ingest.sources import SOURCES_FILE

TEXT_TYPES = {".txt", ".md"}
PDF_TYPES = {".pdf"}
HTML_TYPES = {".html", ".htm"}
SUPPORTED = TEXT_TYPES | PDF_TYPES | HTML_TYPES


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one bad file, or one careless run, from hurting the editor (the writer lock is held throughout).

    Texts are what the encoders embed: per model, each chunk once per chunk recipe and each sentence once, summed over
    the run's models (the shipped Myth 10 text is 139 texts for MiniLM and 109 for mpnet). Measured on this 2-core
    machine: MiniLM embeds ~46 texts/s when idle (docs/BENCHMARKS.md), mpnet about 5.5 times slower. None: no limit.
    """

    max_bytes: int = 50 * 1024 * 1024
    pdf_seconds: float = 60.0
    pdf_memory_bytes: int = 2 * 1024 * 1024 * 1024
    # 10,000 texts: a 40-myth collection in one file with both models (~11 min), a ~300-page book with MiniLM alone
    # (~4 min). A 7.9 MB file of a million short lines (5 million texts, ~3.5 days) is refused after parsing, before chunking.
    max_file_texts: int | None = 10_000
    # 50,000 texts: ~18 min with MiniLM alone, under an hour with mpnet too; new files past it wait for the next run.
    # The 10,000-chunk benchmark corpus (46,585 MiniLM texts) fits in one run.
    max_run_texts: int | None = 50_000


def discover(corpus: Path, limits: Limits = Limits()) -> list[SourceFile]:
    """List corpus files recursively, hashing readable ones. Dot-files and dot-directories are ignored.

    Symlinks are followed only when they stay inside the corpus. Folders that cannot be listed, symlink loops,
    FIFOs, devices and sockets are listed as skipped, with the reason; none of them is ever opened.
    """
    corpus = Path(corpus)
    root = corpus.resolve()
    found: list[SourceFile] = []

    def unlistable(e: OSError) -> None:  # os.walk would pass over it silently, and its files would vanish unexplained
        path = Path(e.filename)
        rel, _ = source_name(path.relative_to(corpus).as_posix() if path != corpus else ".")
        why = f"cannot read the folder: {e.strerror or e}; its files were left out (check its permissions)"
        found.append(SourceFile(rel, path, skip=why))

    for dirpath, dirnames, filenames in os.walk(corpus, onerror=unlistable, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            p = Path(dirpath) / d
            if p.is_symlink():
                dirnames.remove(d)  # never followed: inside the corpus its files are found under their real path
                if not Path(os.path.realpath(p)).is_relative_to(root):
                    rel, _ = source_name(p.relative_to(corpus).as_posix())
                    found.append(SourceFile(rel, p, skip="symlink to a folder outside the corpus; not followed"))
        for name in sorted(filenames):
            if name.startswith(".") or (name == SOURCES_FILE and Path(dirpath) == corpus):
                continue  # sources.toml at the root describes the texts (ingest.sources); it is not one
            path = Path(dirpath) / name
            found.append(_inspect(path, path.relative_to(corpus).as_posix(), root, limits))
    return found


def _inspect(path: Path, rel: str, root: Path, limits: Limits) -> SourceFile:
    rel, bad_name = source_name(rel)
    why = bad_name or check_entry(path, root)
    if why:
        return SourceFile(rel, path, skip=why)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        return SourceFile(rel, path, skip=f"unsupported file type '{suffix or 'no extension'}' (use .txt, .md, .pdf, .html)")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            return SourceFile(rel, path, size=size, skip=over_cap(size, limits.max_bytes))
        digest = hashlib.sha256(read_regular(path, limits.max_bytes)).hexdigest()
    except OSError as e:
        return SourceFile(rel, path, skip=f"cannot read the file: {e.strerror or e}")
    except Unreadable as e:
        return SourceFile(rel, path, skip=str(e))
    return SourceFile(rel, path, sha256=digest, size=size)


SAMPLE = 65536  # characters (or bytes) inspected to tell text from binary
# UTF-32 before UTF-16: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")  # C0 (bar tab, newline, CR, form feed), DEL, C1
_WIDE = re.compile(r"[^\x00-\xff]")
_EIGHT_BIT = ("cp1252", "latin-1")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding).

    A byte-order mark decides the encoding (UTF-8, UTF-16, UTF-32: word processors export "Unicode text" so);
    otherwise UTF-8, then cp1252, then latin-1 are tried. The decoded text must then not look like noise
    (see ``_noise``).

    Raises:
        ValueError: the bytes are binary, not text (the message says why).
    """
    enc = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if enc:
        try:
            text = data.decode(enc)  # the codec consumes the mark
        except UnicodeDecodeError:
            name = enc.removesuffix("-sig").upper()
            raise ValueError(f"starts with a {name} byte-order mark but is not valid {name}; save it again as UTF-8") from None
    else:
        if b"\x00" in data[:SAMPLE]:
            raise ValueError("binary content, not text (NUL bytes; UTF-16 without a byte-order mark? save it as UTF-8)")
        for enc in ("utf-8", "cp1252", "latin-1"):  # latin-1 decodes any bytes, so the loop always ends decoded
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    problem = _noise(text[:SAMPLE], enc in _EIGHT_BIT)
    if problem:
        raise ValueError(f"binary content, not text ({problem})")
    return text.replace("\r\n", "\n").replace("\r", "\n"), "utf-8" if enc == "utf-8-sig" else enc


def _noise(sample: str, eight_bit: bool) -> str:
    """Why a decoded sample is noise rather than text ("" for text).

    Measured (tests/test_hostile_corpus.py builds these): random bytes, binaries and compressed data with their
    NULs removed decode as latin-1 with 15-34 % control characters (C0, DEL, C1 U+0080-U+009F); English, French and
    German texts in UTF-8, cp1252 or latin-1, with stray bytes cp1252 leaves undefined, have at most 0.03 %. So
    over 1 % is noise (the rule before C1 counted). Private-use, unassigned and surrogate code points count too:
    that is what random bytes behind a UTF-16 mark decode to. Printable random bytes that happen to decode as
    cp1252 have no controls but hardly any spaces (under 1 %, against 15-21 % in those texts; CSV and tables more):
    an 8-bit text of 256+ characters with under 5 % whitespace is noise.
    """
    n = len(sample)
    bad = len(_CONTROL.findall(sample))
    bad += sum(1 for ch in _WIDE.findall(sample) if unicodedata.category(ch) in ("Co", "Cn", "Cs"))
    if bad > max(8, n // 100):
        return f"{bad} control or unassigned characters in the first {n}"
    if eight_bit and n >= 256 and sum(ch.isspace() for ch in sample) < n * 0.05:
        return f"hardly any spaces between words in the first {n} characters"
    return ""


def read_document(sf: SourceFile, limits: Limits = Limits()) -> Document | Skipped:
    """Read one discovered file into a Document, or say why it was skipped."""
    suffix = sf.path.suffix.lower()
    if suffix in PDF_TYPES:
        return _read_pdf(sf, limits)
    try:
        data = read_regular(sf.path, limits.max_bytes)
    except Unreadable as e:
        return Skipped(sf.source, str(e))
    if sf.sha256 and hashlib.sha256(data).hexdigest() != sf.sha256:
        return Skipped(sf.source, "the file changed while it was being ingested; run ingestion again")
    if not data.strip():
        return Skipped(sf.source, "empty file")
    if suffix in HTML_TYPES:
        from ingest.html import read_html

        return read_html(sf, data)
    try:
        text, encoding = decode_text(data)
    except ValueError as e:
        return Skipped(sf.source, f"{e}; is it really a {suffix} file?")
    if not text.strip():
        return Skipped(sf.source, "no text in the file")
    return Document(sf.source, sf.sha256, text, encoding=encoding)


def _read_pdf(sf: SourceFile, limits: Limits) -> Document | Skipped:
    """Parse a PDF in a child process bounded in time and memory, so a hostile file cannot hang us."""

    def bound_memory():  # runs in the child before exec
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.pdf_memory_bytes, limits.pdf_memory_bytes))

    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ingest.pdf_worker", str(sf.path)],
            capture_output=True,
            timeout=limits.pdf_seconds,
            preexec_fn=bound_memory,
            cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        why = f"PDF parsing took over {limits.pdf_seconds:g} s; skipped (damaged or hostile PDF? --pdf-timeout allows more)"
        return Skipped(sf.source, why, {"pdf_seconds": limits.pdf_seconds})
    try:
        result = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        if b"MemoryError" in proc.stderr:
            return Skipped(sf.source, "PDF parser ran out of its memory bound; skipped", {"pdf_memory_bytes": limits.pdf_memory_bytes})
        return Skipped(sf.source, f"PDF parser failed (exit {proc.returncode}); the file may be corrupt")
    if "error" in result:
        return Skipped(sf.source, result["error"])
    pages = [p.replace("\r\n", "\n") for p in result["pages"]]
    text, starts = "", []
    for page in pages:
        starts.append(len(text))
        text += page if page.endswith("\n") or not page else page + "\n"
    return Document(sf.source, sf.sha256, text, page_starts=tuple(starts), encoding="pdf")
