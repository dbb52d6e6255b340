"""Links to answers: a permalink (the question, its filters and the index version as URL query parameters), and what a share shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from store.turn import Turn

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


def follows(turn: Turn) -> bool:
    """Whether the turn was read against the one before (a follow-up such as "And India?"): its reading holds that turn's words."""
    return bool(turn.answer.understood_as or turn.answer.read_against)


def build(turn: Turn, base: str = "") -> str | None:
    """The permalink that asks a question again with its filters; None for a follow-up, whose standalone reading would
    carry the earlier question's words into the link (its read-only share link, ``shareable``, shows it instead)."""
    if follows(turn):
        return None
    params = {"claim" if turn.claim is not None else "q": turn.question}
    if turn.myth is not None:
        params["myth"] = str(turn.myth)
    if turn.section:
        params["section"] = turn.section
    params |= {"k": str(turn.k), "v": turn.index_version}
    return f"{base}?{urlencode(params)}"


def shareable(turn: Turn) -> Turn:
    """What a share link keeps and shows of a turn: the question as typed and its answer, without a follow-up's reading
    ("Understood as …", "Read against …"), which carries the words of the sharer's earlier turns."""
    return replace(turn, answer=replace(turn.answer, understood_as=None, read_against=None))


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
