"""Sentence extraction, section intent and the abstention evidence on small fixed inputs."""

import numpy as np
import pytest

from qa.abstain import Evidence, answerable, coverage
from qa.extract import pick_sentences, sentence_scores
from qa.intent import canonical_section, detect_sections

OWNER = np.array([0, 0, 1, 1, 1, 2])  # sentence id -> chunk id


def test_sentence_scores_add_the_passage_score():
    dense = np.array([0.5, 0.2, 0.6, 0.1, 0.3, 0.9])
    bm25 = np.array([0.0, 1.0, 0.0, 0.0, 0.5, 0.0])
    passage = np.array([1.0, 0.0, 0.5])
    s = sentence_scores(dense, bm25, passage, OWNER, w_dense=1.0, w_bm25=0.2, w_passage=0.5)
    assert s == pytest.approx([1.0, 0.9, 0.6, 0.1, 0.4, 1.15])


def test_pick_best_sentence_then_close_ones_only_from_candidates():
    scores = np.array([1.0, 0.95, 0.6, 0.1, 0.93, 2.0])
    picks = pick_sentences(scores, OWNER, candidates=[0, 1], max_sentences=3, extra_ratio=0.9)
    assert [(p.sentence, p.chunk) for p in picks] == [(0, 0), (1, 0), (4, 1)]  # sentence 5 is outside the candidates
    picks = pick_sentences(scores, OWNER, candidates=[0, 1], max_sentences=3, extra_ratio=0.94)
    assert [p.sentence for p in picks] == [0, 1]
    assert [p.sentence for p in pick_sentences(scores, OWNER, [0, 1], max_sentences=1)] == [0]


def test_pick_with_nothing_to_pick():
    scores = np.ones(6)
    assert pick_sentences(scores, OWNER, candidates=[]) == []
    assert pick_sentences(scores, OWNER, candidates=[7]) == []
    assert pick_sentences(scores, OWNER, candidates=[0], max_sentences=0) == []


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who promotes this idea?", ("Who advocates or subscribes to it?",)),
        ("Who wrote this?", ("Author",)),
        ("What is the myth?", ("What is the myth?",)),
        ("Why is this claim wrong?", ("Why is it wrong?",)),
        ("What consequences does it have for policy?", ("What is its impact on policy?",)),
        ("What should the West do?", ("What would good policy look like?",)),
        ("What is the main argument?", ("Standfirst",)),
        ("Which drone company stopped selling to Russia?", ()),
        ("What does the author think of the wedge policy?", ()),
    ],
)
def test_detect_sections(question, expected):
    assert detect_sections(question) == expected


def test_canonical_section_tolerates_case_punctuation_and_prefixes():
    known = ("What is the myth?", "Why is it wrong?", "What is its impact on policy?")
    assert canonical_section("why is it wrong", known) == "Why is it wrong?"
    assert canonical_section("IMPACT", known) == "What is its impact on policy?"
    assert canonical_section("what is", known) is None  # ambiguous
    assert canonical_section("???", known) is None


def test_coverage_counts_known_content_terms_by_idf():
    vocab = {"china": 0, "dji": 1}
    idf = np.array([0.5, 3.0])
    assert coverage(["who", "dji", "china"], vocab, idf, unseen_idf=4.0) == pytest.approx(1.0)  # "who" is a question word
    assert coverage(["dji", "pari"], vocab, idf, unseen_idf=4.0) == pytest.approx(3.0 / 7.0)
    assert coverage(["capit", "franc"], vocab, idf, unseen_idf=4.0) == 0.0
    assert coverage([], vocab, idf, unseen_idf=4.0) == 0.0


def test_answerable_threshold():
    assert answerable(Evidence(0.4, 0.5), lexical_weight=0.4, threshold=0.6)
    assert not answerable(Evidence(0.4, 0.4), lexical_weight=0.4, threshold=0.6)
    assert not answerable(Evidence(0.9, 1.0, ("Finland",)), lexical_weight=0.4, threshold=0.6)


def test_no_answer_message_names_the_unknown_names():
    from qa.abstain import NO_ANSWER, no_answer_message

    assert no_answer_message(Evidence(0.1, 0.0)) == NO_ANSWER
    assert no_answer_message(Evidence(0.9, 1.0, ("Kinzhal",))).startswith("The texts never mention “Kinzhal”, so they cannot")
    three = no_answer_message(Evidence(0.9, 1.0, ("North", "Korea", "Seoul")))
    assert three.startswith("The texts never mention “North”, “Korea” or “Seoul”")
