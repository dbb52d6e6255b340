"""The read path under odd input: odd filter values, huge questions, leading emoji, invalid UTF-8 on stdin."""

from __future__ import annotations

import io
import json
import math

import pytest

from qa import cli
from qa.engine import Engine
from qa.question import MAX_QUESTION_CHARS
from qa.types import ANSWERED, BAD_FILTER, EMPTY, UNKNOWN_NAME


@pytest.fixture(scope="module")
def engine(hash_index):
    return Engine.load(hash_index)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"k": math.inf}, ANSWERED),
        ({"k": -3}, ANSWERED),
        ({"k": "x"}, ANSWERED),
        ({"myth": math.inf}, BAD_FILTER),
        ({"myth": math.nan}, BAD_FILTER),
        ({"myth": 11}, BAD_FILTER),
        ({"section": 5}, BAD_FILTER),
    ],
)
def test_odd_values_never_raise(engine, kwargs, status):
    answer = engine.ask("Who wrote this?", **kwargs)
    assert answer.status == status
    if status == ANSWERED:
        assert answer.answered and 1 <= len(answer.passages) <= 50


def test_statuses(engine):
    assert engine.ask("   ").status == EMPTY
    finland = engine.ask("When did Finland and Sweden apply to join NATO?")
    assert (finland.answered, finland.status) == (False, UNKNOWN_NAME)
    assert "Finland" in finland.message


def test_a_leading_emoji_or_bullet_is_not_a_name(engine):
    for question in ("🙂 Who promotes the myth?", "• Who promotes the myth?", "★★ who promotes the myth?"):
        assert engine.ask(question).status != UNKNOWN_NAME, question


def test_a_huge_question_is_capped_before_any_work(engine):
    question = "Pasted context. " * 1_000_000 + "Who wrote this?"  # 16 MB
    answer = engine.ask(question)
    assert len(answer.question) == MAX_QUESTION_CHARS and answer.question.endswith("Who wrote this?")
    assert answer.answered and answer.message.startswith(f"Your question is {len(question):,} characters long; only its last ")


def test_invalid_utf8_lines_are_each_answered():
    class Stdin:  # what sys.stdin offers: text on top of a byte buffer
        buffer = io.BytesIO(b"Who wrote this?\n\xff\xfe bad \xc3 bytes?\nlast\r\n")

    assert list(cli.lines(Stdin())) == ["Who wrote this?", "\ufffd\ufffd bad \ufffd bytes?", "last"]
    assert cli.text("caf\udcc3") == "caf\ufffd"  # an argv byte that was not UTF-8
    json.dumps(cli.text("caf\udcc3"), ensure_ascii=False).encode("utf-8")  # printable as valid UTF-8 JSON
