"""The request bodies the API accepts and the response shapes it documents (the bodies sent come from qa.contract)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qa.question import MAX_QUESTION_CHARS

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _text(value):
    # JSON may carry a lone "\ud800": Python keeps it, and UTF-8 cannot encode it. Read it as U+FFFD, as the CLI reads
    # invalid bytes (qa.cli.text), so every answer sent stays valid UTF-8.
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field ("sectoin") is refused, not silently ignored

    @field_validator("*", mode="before")
    @classmethod
    def _valid_text(cls, value):
        return _text(value)


class PreviousTurn(_Request):
    """The previous turn of a conversation, as the previous answer's JSON gives it: a follow-up is read against it."""

    question: str = Field(max_length=MAX_QUESTION_CHARS, description="the previous question (its `understood_as` when it had one)")
    answer: str = Field("", max_length=MAX_QUESTION_CHARS, description="the first answer sentence shown for it")


class AskRequest(_Request):
    question: str = Field(
        description=f"the question; only its last {MAX_QUESTION_CHARS:,} characters are read", examples=["Who promotes this myth?"]
    )
    previous: PreviousTurn | None = Field(None, description="the turn before, for follow-ups such as “Why?” or “And India?”")
    myth: int | None = Field(None, description="only search this myth number (GET /v1/myths lists them)")
    section: str | None = Field(None, max_length=200, description="only search this section, e.g. “Why is it wrong?”")
    k: int = Field(5, ge=1, description="passages to list (at most 50 are)")
    ids: bool = Field(
        False, description="add each passage's stable `uid` (for GET /v1/passages/{uid}); off, the body equals `python -m qa --json`"
    )


class ClaimRequest(_Request):
    claim: str = Field(description="a claim to check against the myths", examples=["China is arming Russia for the war"])


class Sentence(BaseModel):
    text: str
    passage: int = Field(description="index into `passages`")
    speaker: str | None = Field(None, description="who the text quotes in this sentence")
    stance: str | None = Field(None, description="“reported” (a view the text reports) or “myth” (the myth's claim); absent: the author's")
    holder: str | None = Field(None, description="whose view a reported sentence gives, as the text names them")


class _Passage(BaseModel):
    text: str
    myth: int | None
    title: str | None
    author: str | None
    section: str | None
    paragraph: int | None
    source: str
    page: int | None


class PassageOut(_Passage):
    """A passage an answer cites, in the order the answer ranks them."""

    rank: int = Field(description="1 for the passage ranked first for the question")
    score: float = Field(description="the retrieval score that ranked it")
    uid: str | None = Field(None, description="only with `ids: true`: its stable id for GET /v1/passages/{uid}")


class StoredPassage(_Passage):
    """A passage fetched by its stable id: no rank or score, since no question ranked it."""

    uid: str
    url: str | None = Field(None, description="where the text was published")
    publisher: str | None = None
    published: str | None = Field(None, description="the publication date the text gives")


class AnswerOut(BaseModel):
    """The JSON contract of `python -m qa --json`."""

    question: str
    answered: bool
    status: str = Field(description="answered, not_in_texts, unknown_name, bad_filter or empty_question")
    message: str
    answer: list[Sentence]
    passages: list[PassageOut]
    understood_as: str | None = Field(None, description="a follow-up's standalone reading, when it was read as one")
    read_against: dict[str, str] | None = Field(
        None, description="a follow-up read as no standalone question: the previous question and answer sentence it was read against"
    )


class ClaimOut(BaseModel):
    """The JSON contract of `python -m qa --claim`."""

    claim: str
    matched: bool
    myth: int | None
    title: str | None
    author: str | None
    message: str
    score: float
    agrees: bool = Field(False, description="the claim denies the myth it matches, agreeing with the author's rebuttal")
    sentences: list[Sentence]
    passages: list[PassageOut]


class Refusal(BaseModel):
    """Every error: a stable code and what to do next."""

    status: str
    message: str
