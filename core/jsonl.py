"""The one writer and reader of the project's JSON-lines files: any text survives a round trip, a bad row says where it is.

``json.dumps(..., ensure_ascii=False)`` leaves U+0085, U+2028 and U+2029 raw, and ``str.splitlines`` (or a text editor)
breaks a row there; here they are escaped on write, and rows are split on "\\n" alone on read. A log (votes turned into
questions, quality and scoring ledgers) skips a bad row and says which; a definition (question and claim sets, the index's
chunks and documents) is refused with the file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import BadInput

# Line breaks JSON leaves raw outside ASCII; every other control character json.dumps escapes itself.
_RAW_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dumps(row) -> str:
    """One row as one line of JSON (no trailing newline), non-ASCII text as written, every line break escaped."""
    text = json.dumps(row, ensure_ascii=False)
    for raw, escaped in _RAW_BREAKS.items():
        text = text.replace(raw, escaped)
    return text


def write(path: Path, rows) -> None:
    """Write ``rows`` (an iterable of JSON values) to ``path``, one line each."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def append(path: Path, row) -> None:
    """Append one row in one write: a reader never sees half of it."""
    with open(path, "a", encoding="utf-8", newline="\n") as f:
        f.write(dumps(row) + "\n")


@dataclass
class Rows:
    """What a file held: (line number, object) per good row, and "file:line: why" per row skipped."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read(path: Path, log: bool = False) -> Rows:
    """The objects of a JSON-lines file, split on "\\n" only; blank lines are ignored.

    Args:
        log: skip a row that is not one JSON object and list it in ``skipped`` (a log grows by appends, and one bad
            row must not stop its readers); otherwise refuse the file.

    Raises:
        BadInput: (not ``log``) a row is not one JSON object; the message names the file and line.
        OSError: the file cannot be read.
    """
    out = Rows()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            why = None if isinstance(row, dict) else "each line must be one JSON object"
        except ValueError as e:
            row, why = None, f"not valid JSON ({e})"
        if why is None:
            out.rows.append((n, row))
        elif log:
            out.skipped.append(f"{path}:{n}: {why}; skipped")
        else:
            raise BadInput(f"{path}:{n}: {why}")
    return out
