"""Find corpus files and read them into Documents, skipping bad ones with a reason."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core.types import Document
from ingest.sources import SOURCES_FILE

TEXT_TYPES = {".txt", ".md"}
PDF_TYPES = {".pdf"}
HTML_TYPES = {".html", ".htm"}
SUPPORTED = TEXT_TYPES | PDF_TYPES | HTML_TYPES


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one bad file from hurting the run."""

    max_bytes: int = 50 * 1024 * 1024
    pdf_seconds: float = 60.0
    pdf_memory_bytes: int = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A corpus file found on disk: where it is, its bytes' hash, or why it cannot be used."""

    source: str  # path relative to the corpus, with forward slashes
    path: Path
    sha256: str | None = None
    size: int = 0
    skip: str | None = None


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def discover(corpus: Path, limits: Limits = Limits()) -> list[SourceFile]:
    """List corpus files recursively, hashing readable ones. Dot-files and dot-directories are ignored.

    Symlinks are followed only when they stay inside the corpus.
    """
    corpus = Path(corpus)
    root = corpus.resolve()
    found: list[SourceFile] = []
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            p = Path(dirpath) / d
            if p.is_symlink():
                dirnames.remove(d)
                rel = p.relative_to(corpus).as_posix()
                target = p.resolve()
                if not target.is_relative_to(root):
                    found.append(SourceFile(rel, p, skip="symlink to a folder outside the corpus; not followed"))
        for name in sorted(filenames):
            if name.startswith(".") or (name == SOURCES_FILE and Path(dirpath) == corpus):
                continue  # sources.toml at the root describes the texts (ingest.sources); it is not one
            path = Path(dirpath) / name
            found.append(_inspect(path, path.relative_to(corpus).as_posix(), root, limits))
    return found


def _inspect(path: Path, rel: str, root: Path, limits: Limits) -> SourceFile:
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        return SourceFile(rel, path, skip="symlink leading outside the corpus; not followed")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        return SourceFile(rel, path, skip=f"unsupported file type '{suffix or 'no extension'}' (use .txt, .md, .pdf, .html)")
    try:
        size = path.stat().st_size
        if not path.is_file():
            return SourceFile(rel, path, skip="not a regular file")
        if size > limits.max_bytes:
            mb = limits.max_bytes / 1024 / 1024
            return SourceFile(rel, path, size=size, skip=f"file is {size / 1024 / 1024:.1f} MB, over the {mb:g} MB cap (--max-mb)")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        return SourceFile(rel, path, skip=f"cannot read the file: {e.strerror or e}")
    return SourceFile(rel, path, sha256=digest, size=size)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, falling back to cp1252 then latin-1; return (text, encoding).

    Raises:
        ValueError: the bytes are binary, not text.
    """
    if b"\x00" in data[:65536]:
        raise ValueError("binary content, not text")
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:65536]) // 100):
        raise ValueError("binary content, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n"), "utf-8" if enc == "utf-8-sig" else enc


def read_document(sf: SourceFile, limits: Limits = Limits()) -> Document | Skipped:
    """Read one discovered file into a Document, or say why it was skipped."""
    suffix = sf.path.suffix.lower()
    try:
        if suffix in PDF_TYPES:
            return _read_pdf(sf, limits)
        data = sf.path.read_bytes()
    except OSError as e:
        return Skipped(sf.source, f"cannot read the file: {e.strerror or e}")
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
        return Skipped(sf.source, f"PDF parsing took over {limits.pdf_seconds:g} s; skipped (damaged or hostile PDF?)")
    try:
        result = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        if b"MemoryError" in proc.stderr:
            return Skipped(sf.source, "PDF parser ran out of its memory bound; skipped")
        return Skipped(sf.source, f"PDF parser failed (exit {proc.returncode}); the file may be corrupt")
    if "error" in result:
        return Skipped(sf.source, result["error"])
    pages = [p.replace("\r\n", "\n") for p in result["pages"]]
    text, starts = "", []
    for page in pages:
        starts.append(len(text))
        text += page if page.endswith("\n") or not page else page + "\n"
    return Document(sf.source, sf.sha256, text, page_starts=tuple(starts), encoding="pdf")
