"""What a question asks for, read from its parse (qa.slots), and the corpus's words for typos and abbreviations."""

from __future__ import annotations

import pytest

from core import nlp
from core.lexical import stem
from qa.slots import asked
from qa.spelling import Lexicon


@pytest.mark.parametrize(
    "question, slot, labels",
    [
        ("In which city did the minister make his statement?", "city", {"GPE", "FAC"}),
        ("In which region is the shipyard?", "region", {"GPE", "LOC", "FAC"}),
        ("Which newspaper interviewed the admiral?", "newspaper", {"ORG", "WORK_OF_ART", "NAME", "PERSON"}),
        ("How much did the ministry pay the firm?", "amount", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),
        ("How long will the programme take?", "duration", {"DATE", "TIME"}),
        ("Why is the myth wrong?", "", set()),
    ],
)
def test_the_slot_and_what_fills_it(question, slot, labels):
    a = asked(nlp.parse(question))
    assert (a.slot, set(a.labels)) == (stem(slot) if slot else "", labels)


def test_a_job_question():
    a = asked(nlp.parse("What was Konstantin Pichugin’s former job?"))
    assert a.job and not a.labels
    assert asked(nlp.parse("What was her position?")).job
    assert not asked(nlp.parse("What role could China play in ending the war?")).job  # a state has no job


@pytest.mark.parametrize(
    "question, wants_list, ordinal",
    [
        ("What are the reasons the author gives?", True, None),
        ("What steps does the author recommend?", True, None),
        ("What is the third reason the author gives?", False, 2),
        ("What is the last step?", False, -1),
        ("Who wrote the text?", False, None),
    ],
)
def test_lists_and_items(question, wants_list, ordinal):
    a = asked(nlp.parse(question))
    assert (a.wants_list, a.ordinal) == (wants_list, ordinal)


def test_who_acts_on_whom_in_a_question():
    assert asked(nlp.parse("Is China arming Russia?")).relation == ("China", "Russia")
    assert asked(nlp.parse("Is Russia armed by China?")).relation == ("China", "Russia")
    assert asked(nlp.parse("Why is the myth wrong?")).relation is None


def test_a_question_that_states_someones_view():
    assert asked(nlp.parse("Some analysts say the fleet is finished. What does the author think?")).reports_view
    assert not asked(nlp.parse("What does the author think about the fleet?")).reports_view


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(["Russian members of parliament reinforce the perception.", "Russia operates more than 40 icebreakers."])


@pytest.mark.parametrize("word", ["MPs", "Rusia", "icebreakrs", "perception"])
def test_typos_and_abbreviations_of_corpus_words_are_known(lexicon, word):
    assert lexicon.knows(word)


@pytest.mark.parametrize("word", ["Finland", "NATO", "Iran"])
def test_names_the_corpus_never_uses_are_not(lexicon, word):
    assert not lexicon.knows(word)
