"""Permalinks to answers: the question, its filters and the index version as URL query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from ui.turn import Turn

PARAMS = ("q", "claim", "myth", "section", "k", "v")  # what a permalink may carry; removed once it has been opened
MAX_K = 10


@dataclass(frozen=True)
class Link:
    """What a permalink asks for."""

    text: str
    claim: bool = False  # a claim to check rather than a question
    myth: int | None = None
    section: str | None = None
    k: int | None = None
    version: str | None = None  # the index version the answer was made from


def build(turn: Turn, base: str = "") -> str:
    """The permalink of one answer; a follow-up links to the standalone reading it was answered as."""
    params = {"claim" if turn.claim is not None else "q": turn.answer.understood_as or turn.question}
    if turn.myth is not None:
        params["myth"] = str(turn.myth)
    if turn.section:
        params["section"] = turn.section
    params |= {"k": str(turn.k), "v": turn.index_version}
    return f"{base}?{urlencode(params)}"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse(params: Mapping[str, str]) -> Link | None:
    """The link in query parameters (st.query_params), or None when they hold none; bad numbers are dropped."""
    claim = bool(params.get("claim", "").strip())
    text = (params.get("claim") if claim else params.get("q")) or ""
    if not text.strip():
        return None
    k = _int(params.get("k"))
    return Link(
        text=text,
        claim=claim,
        myth=_int(params.get("myth")),
        section=params.get("section") or None,
        k=None if k is None else max(1, min(MAX_K, k)),
        version=params.get("v") or None,
    )


def index_changed(link_version: str | None, version: str) -> str:
    """The notice shown with an answer reopened from a link made on another index version ("" when the same)."""
    if not link_version or link_version == version:
        return ""
    return f"The index changed since this link was made (link: {link_version}; now: {version}), so this answer may differ."
