"""Where each text comes from: the optional `corpus/sources.toml` editors keep (file → url, publisher, date)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from core.types import Chunk

SOURCES_FILE = "sources.toml"  # at the corpus root; corpus metadata, never indexed as a text
FIELDS = ("url", "publisher", "date")


@dataclass(frozen=True)
class Origin:
    """What an editor recorded about one corpus file; any field may be missing."""

    url: str | None = None
    publisher: str | None = None
    date: str | None = None  # ISO date or free text as written ("July 2022")

    def to_json(self) -> dict:
        return {k: v for k, v in (("url", self.url), ("publisher", self.publisher), ("date", self.date)) if v}


def read_origins(corpus: Path, sources: set[str]) -> tuple[dict[str, Origin], list[str]]:
    """Read ``corpus/sources.toml``.

    Args:
        corpus: the corpus folder.
        sources: the corpus files found (paths relative to the corpus), to warn about entries naming no file.

    Returns:
        (origin by source file, one-line problems). A broken file or entry is left out with its problem; it never
        stops a run.
    """
    path = Path(corpus) / SOURCES_FILE
    if not path.is_file():
        return {}, []
    try:
        table = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return {}, [f'{SOURCES_FILE} ignored: {e}; fix it (one ["file.txt"] table per file: url, publisher, date) and re-run']
    origins, problems = {}, []
    for name, entry in table.items():
        problem = _problem(name, entry, sources)
        if problem:
            problems.append(f"{SOURCES_FILE}: entry “{name}” ignored: {problem}")
            continue
        date = entry.get("date")
        date = date.isoformat() if isinstance(date, dt.date) else date  # TOML dates are typed; keep the text form
        origins[name] = Origin(entry.get("url"), entry.get("publisher"), date)
    return origins, problems


def _problem(name: str, entry, sources: set[str]) -> str:
    if not isinstance(entry, dict):
        return 'write it as a table: ["file.txt"] then url = "…" on the next lines'
    if name not in sources:
        return "no such file in the corpus (names are paths relative to the corpus folder)"
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        return f"unknown field(s) {', '.join(unknown)}; use {', '.join(FIELDS)}"
    for key in ("url", "publisher"):
        if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
            return f"{key} must be a non-empty string"
    if "date" in entry and not isinstance(entry["date"], (str, dt.date)):
        return "date must be a date (2022-07-01) or a string"
    if "url" in entry:
        parts = urlparse(entry["url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "url must be an absolute http(s) address"
    return ""


def with_origin(chunks: list[Chunk], origin: Origin | None, page_url: str | None) -> list[Chunk]:
    """The chunks of one file with its origin; the editor's url wins over a saved page's canonical one."""
    origin = origin or Origin()
    url = origin.url or page_url
    return [replace(c, url=url, publisher=origin.publisher, published=origin.date) for c in chunks]
