"""What a corpus entry is (decided before opening it), reading regular files without blocking, and a file found or skipped."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


class Unreadable(Exception):
    """A corpus entry that must not or cannot be read; the message is the one-line reason."""


def kind_of(mode: int) -> str:
    """Name a file type for a skip reason, e.g. "a named pipe (FIFO)"."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def check_entry(path: Path, root: Path) -> str | None:
    """Why ``path`` must not be opened as a corpus file, or None for a regular file inside the corpus.

    Only stat calls: opening a FIFO blocks until a writer appears, and opening a device can have side effects.
    """
    try:
        st = os.stat(path)  # follows symlinks; a loop or a missing target fails here, before any open
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symlink loop (following it never reaches a file); not followed"
        if e.errno == errno.ENOENT and os.path.islink(path):
            return "cannot read the file: broken symlink (its target does not exist)"
        return f"cannot read the file: {e.strerror or e}"
    if os.path.islink(path) and not Path(os.path.realpath(path)).is_relative_to(root):
        return "symlink leading outside the corpus; not followed"
    if not stat.S_ISREG(st.st_mode):
        return f"{kind_of(st.st_mode)}, not a regular file; not read"
    return None


def read_regular(path: Path, max_bytes: int) -> bytes:
    """Read a regular file, at most ``max_bytes``.

    The type is checked again on the open descriptor, so a file swapped for a FIFO after ``check_entry`` cannot
    block the run (O_NONBLOCK makes opening a FIFO return at once).

    Raises:
        Unreadable: not a regular file, over ``max_bytes``, or an OS error (the reason says which).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        raise Unreadable(f"cannot read the file: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(f"{kind_of(st.st_mode)}, not a regular file; not read")
        chunks, left = [], max_bytes + 1
        while left > 0:
            block = os.read(fd, min(left, 1 << 20))
            if not block:
                break
            chunks.append(block)
            left -= len(block)
    except OSError as e:
        raise Unreadable(f"cannot read the file: {e.strerror or e}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # it grew since it was listed
        raise Unreadable(over_cap(max(st.st_size, len(data)), max_bytes))
    return data


def over_cap(size: int, max_bytes: int) -> str:
    """The skip reason of a file over the byte cap."""
    return f"file is {size / 1024 / 1024:.1f} MB, over the {max_bytes / 1024 / 1024:g} MB cap (--max-mb)"


def source_name(rel: str) -> tuple[str, str | None]:
    """(a printable source id, a skip reason or None) for a path relative to the corpus.

    Names that are not UTF-8 reach Python as surrogate escapes, which the JSON manifest cannot hold; they are
    kept as backslash escapes and skipped, since citations and sources.toml need a real name.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        safe = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return safe, "the file name is not valid UTF-8; rename the file"
    return rel, None


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
    """A file left out, with the one-line reason; ``limits`` names the Limits fields (and values) that caused it."""

    source: str
    reason: str
    limits: dict = field(default_factory=dict)
