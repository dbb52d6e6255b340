"""The one JSON form of what the read path returns: `python -m qa --json` prints it and the HTTP API sends it.

The shapes are defined once, here, as pydantic models: the CLI checks every answer and claim result against them before
printing it (``to_json``), and the HTTP API declares the same models as its routes' ``response_model`` (FastAPI checks and
documents each body with them), so a field added, dropped or retyped in ``qa.types`` fails both, never only one.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.types import STATUSES, Answer, Passage


class _Shape(BaseModel):
    # A field the model does not know is an error, not silently dropped: the contract and what produces it never drift.
    model_config = ConfigDict(extra="forbid", strict=True)  # and "yes" is no bool, "1" no int


class SentenceJSON(_Shape):
    """One verbatim answer sentence; a key below is absent, not null, when it does not apply."""

    text: str
    passage: int = Field(description="index into `passages`")
    speaker: str = Field(None, description="who the text quotes in this sentence; absent for the author's own words")
    stance: Literal["reported", "myth"] = Field(
        None, description="“reported” (a view the text reports) or “myth” (the myth's claim); absent: the author's"
    )
    holder: str = Field(None, description="whose view a reported sentence gives, as the text names them")


class _Cited(_Shape):
    """The fields by which a passage is cited."""

    text: str
    myth: int | None
    title: str | None
    author: str | None
    section: str | None
    paragraph: int | None
    source: str
    page: int | None


class _Ranked(_Shape):
    rank: int = Field(description="1 for the passage ranked first for the question")
    score: float = Field(description="the retrieval score that ranked it")


class PassageJSON(_Cited, _Ranked):  # pydantic orders fields base last to first: rank, score, then the cited fields
    """A passage an answer cites, in the order the answer ranks them."""

    uid: str = Field(None, description="only with `ids: true` (HTTP API): its stable id for GET /v1/passages/{uid}")


class StoredPassage(_Cited):
    """A passage fetched by its stable id: its cited fields (no rank or score, since no question ranked it), its id and
    where it was published."""

    uid: str
    url: str | None = Field(description="where the text was published")
    publisher: str | None
    published: str | None = Field(description="the publication date the text gives")


class ReadAgainst(_Shape):
    question: str
    answer: str


class AnswerJSON(_Shape):
    """The JSON contract of `python -m qa --json` and `POST /v1/ask`."""

    question: str
    answered: bool
    status: Literal[STATUSES] = Field(description="answered, not_in_texts, unknown_name, bad_filter or empty_question")
    message: str
    answer: list[SentenceJSON]
    passages: list[PassageJSON]
    understood_as: str = Field(None, description="a follow-up's standalone reading, when it was read as one; else absent")
    read_against: ReadAgainst = Field(
        None, description="a follow-up read as no standalone question: the previous question and answer sentence it was read against"
    )


class ClaimJSON(_Shape):
    """The JSON contract of `python -m qa --claim` and `POST /v1/claim`."""

    claim: str
    matched: bool
    myth: int | None
    title: str | None
    author: str | None
    message: str
    score: float
    agrees: bool = Field(description="the claim denies the myth it matches, agreeing with the author's rebuttal")
    sentences: list[SentenceJSON]
    passages: list[PassageJSON]


def shape_of(value) -> type[BaseModel] | None:
    """The contract model of ``value`` (an Answer or a ClaimResult), None for anything else."""
    if isinstance(value, Answer):
        return AnswerJSON
    return ClaimJSON if type(value).__name__ == "ClaimResult" else None  # by name: qa.claim loads the engine


def checked(model: type[BaseModel], record: dict) -> dict:
    """``record`` checked against ``model`` (pydantic's ValidationError if it drifted), in the model's key order, with
    the keys it left out still absent: exactly what the HTTP API sends for it (``response_model_exclude_unset``)."""
    return model.model_validate(record).model_dump(mode="json", exclude_unset=True)


def to_json(value) -> str:
    """One line of JSON for an Answer or a ClaimResult (checked against its contract model), or a plain dict or list.

    Non-ASCII text stays as written (``ensure_ascii=False``), so a quotation reads the same in a terminal and over HTTP.
    """
    model = shape_of(value)
    return json.dumps(checked(model, value.to_json()) if model else value, ensure_ascii=False)


def with_ids(answer_json: dict, passages: tuple[Passage, ...]) -> dict:
    """``answer_json`` with each passage's stable id added as ``uid`` (asked for by API clients that fetch passages later)."""
    listed = [p | {"uid": src.uid} for p, src in zip(answer_json["passages"], passages, strict=True)]
    return answer_json | {"passages": listed}


def passage_record(p: Passage) -> dict:
    """A passage fetched by its stable id (``StoredPassage``): the cited fields of the answer contract, without the rank
    and score no question gave it, then its id and where it was published."""
    cited = {k: v for k, v in p.to_json().items() if k not in ("rank", "score")}
    return cited | {"uid": p.uid, "url": p.url, "publisher": p.publisher, "published": p.published}
