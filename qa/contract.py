"""The one JSON form of what the read path returns: `python -m qa --json` prints it and the HTTP API sends it."""

from __future__ import annotations

import json

from qa.types import Passage


def to_json(value) -> str:
    """One line of JSON for an Answer, a ClaimResult or any object with ``to_json()`` (or a plain dict or list).

    Non-ASCII text stays as written (``ensure_ascii=False``), so a quotation reads the same in a terminal and over HTTP.
    """
    return json.dumps(value.to_json() if hasattr(value, "to_json") else value, ensure_ascii=False)


def with_ids(answer_json: dict, passages: tuple[Passage, ...]) -> dict:
    """``answer_json`` with each passage's stable id added as ``uid`` (asked for by API clients that fetch passages later)."""
    listed = [p | {"uid": src.uid} for p, src in zip(answer_json["passages"], passages, strict=True)]
    return answer_json | {"passages": listed}


def passage_record(p: Passage) -> dict:
    """A passage fetched by its stable id: the cited fields of the answer contract, its id and where it was published."""
    return p.to_json() | {"uid": p.uid, "url": p.url, "publisher": p.publisher, "published": p.published}
