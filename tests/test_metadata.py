"""Questions about the document itself: which are recognised, and which verbatim sentences answer them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.artifacts import load_index, sentence_texts
from qa.metadata import FIELDS, metadata_field, metadata_sentences
from tests.conftest import ROOT

FIELD_CASES = [
    ("Who wrote this?", "author"),
    ("who wrote this", "author"),
    ("who is the author", "author"),
    ("whos the author of this piece", "author"),
    ("Who authored myth 10?", "author"),
    ("Who was it written by?", "author"),
    ("What is the author's affiliation?", "affiliation"),
    ("where does the author work", "affiliation"),
    ("which institute is she from", "affiliation"),
    ("what is she affiliated with", "affiliation"),
    ("What is the title?", "title"),
    ("what is this text called", "title"),
    ("What's the title of Myth 10?", "title"),
    ("What is the myth?", "myth"),
    ("which myth is this", "myth"),
    ("What is the main point?", "standfirst"),
    ("summarise this text", "standfirst"),
    ("What series is this part of?", "series"),
    ("who publishes this", "publisher"),
    ("Which think tank is behind this research series?", "publisher"),
    ("Who else contributed?", "contributors"),
    ("who are the contributors", "contributors"),
    # content questions that merely mention the myth, the author or writing go to normal retrieval
    ("What is the myth about Russia and China?", None),
    ("Who advocates the myth?", None),
    ("Who promotes an alliance?", None),
    ("What did Putin say?", None),
    ("Who wrote the joint statement?", None),
    ("Who wrote the novel War and Peace?", None),
    ("What does the author think of a 'Kissinger in reverse' strategy?", None),
    ("What is Putin's main argument?", None),
    ("Which institute does Putin work for?", None),
    ("Who published the joint declaration?", None),
    ("Which experts doubt the alliance?", None),
]

# The genuinely metadata questions among the first 100 rows of eval/questions.jsonl; every other row is content
# (a04 "What is the myth about Russia and China?", a66 on the author's view, a75 on the series' future, a76 on one
# contributor) or out of scope, and must be left to retrieval.
EVAL_METADATA = {"a01": "standfirst", "a02": "author", "a03": "affiliation", "a74": "series"}

AUTHOR = (
    "Margarete\nKlein\nHead of Research Division – Eastern Europe, Eurasia, German Institute for International and Security Affairs (SWP)"
)
TITLE = "Myth 10: ‘Russia and China are joining forces militarily against the West’"
STANDFIRST = (
    "An increase in military and security cooperation should not be interpreted as a sign that Russia and China would form an "
    "alliance in the event of armed conflict with the West."
)
SERIES = (
    "This Chatham House research aims to address some of the longer-term conceptual challenges in understanding Russian hard "
    "power, which are not directly linked to current operations in Ukraine."
)
CONTRIBUTORS = [
    "Professor of International Relations and Contemporary History, Norwegian Institute for Defence Studies",
    "Kristin\nVen Bruusgaard\nPostdoctoral fellow/Assistant Professor of Political Science, University of Oslo",
    AUTHOR,
]
EXPECTED = {
    "author": [AUTHOR],
    "affiliation": [AUTHOR],
    "title": [TITLE],
    "myth": [TITLE, STANDFIRST],
    "standfirst": [STANDFIRST],
    "series": [SERIES],
    "contributors": CONTRIBUTORS,
    "publisher": [SERIES],
}


@pytest.mark.parametrize(("question", "field"), FIELD_CASES)
def test_field_of_question(question, field):
    assert metadata_field(question) == field


def test_only_the_metadata_questions_of_the_eval_set_are_recognised():
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:100]]
    assert len(rows) == 100
    found = {r["id"]: metadata_field(r["question"]) for r in rows}
    assert {k: v for k, v in found.items() if v} == EVAL_METADATA


@pytest.fixture(scope="module")
def chunks(hash_index):
    return load_index(hash_index).chunks


@pytest.mark.parametrize("field", FIELDS)
def test_sentences_of_each_field_on_the_shipped_corpus(chunks, field):
    texts = sentence_texts(chunks)
    ids = metadata_sentences(field, chunks)
    assert ids == sorted(ids)
    assert [texts[i] for i in ids] == EXPECTED[field]
    assert metadata_sentences(field, chunks, myth=10) == ids
    assert metadata_sentences(field, chunks, myth=99) == []


def test_several_myths(chunks):
    """Four copies of the corpus as myths 10–13 in files of their own: one myth on request, else the first three."""
    copies = [replace(c, source=f"copy{n}.txt", myth=None if c.myth is None else 10 + n) for n in range(4) for c in chunks]
    per_copy = sum(len(c.sentences) for c in chunks)
    author = metadata_sentences("author", chunks)[0]
    assert metadata_sentences("author", copies) == [author, author + per_copy, author + 2 * per_copy]
    assert metadata_sentences("title", copies, myth=12) == [metadata_sentences("title", chunks)[0] + 2 * per_copy]
    series = metadata_sentences("series", chunks)[0]
    assert metadata_sentences("series", copies) == [series]  # the blurb every file repeats is stated once
    assert metadata_sentences("series", copies, myth=11) == [series + per_copy]
    assert len(metadata_sentences("contributors", copies)) == len(CONTRIBUTORS)


def test_unknown_field_is_an_error(chunks):
    with pytest.raises(ValueError):
        metadata_sentences("editor", chunks)
