"""The request bodies the API accepts and its refusal; the answer shapes it sends are qa.contract's models."""

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


# The response bodies are not copied here: they are the read path's own contract models (qa.contract: AnswerJSON, ClaimJSON,
# StoredPassage), which the CLI's --json is checked against too and the routes declare as their response_model.


class Refusal(BaseModel):
    """Every error: a stable code and what to do next."""

    status: str
    message: str
