"""Near-domain refusals (qa.near_domain, qa.decide): key words the texts lack, and values they do not give.

Vocabulary and sentences come from the shipped corpus indexed by the hash embedder (structure only, no model).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.artifacts import load_index, sentence_texts
from core.profile import DEFAULT
from qa.abstain import NO_ANSWER, Evidence, no_answer_message, no_figure_message, not_named_message
from qa.analysis import Analyzer
from qa.decide import fit_refusal, fits
from qa.facts import sentence_facts
from qa.near_domain import asked_for, unknown_key_terms
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def index(hash_index):
    return load_index(hash_index)


@pytest.fixture(scope="module")
def vocab(index):
    return index.bm25_sentences.vocab_dict


@pytest.fixture(scope="module")
def texts(index):
    return sentence_texts(index.chunks)


@pytest.fixture(scope="module")
def facts(index, texts):
    return sentence_facts(index.chunks, texts)


@pytest.fixture(scope="module")
def analyzer(vocab, facts):
    return Analyzer(vocab, facts.names)


def sid_of(texts, phrase: str) -> int:
    (sid,) = [i for i, t in enumerate(texts) if phrase in t]
    return sid


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What is China's annual defence budget?", ("budget",)),  # the figure asked for
        ("How many Su-35 fighter jets has China bought from Russia?", ("jets",)),  # head of "how many ..."
        ("How many nuclear warheads does the United States have?", ("warheads",)),
        ("How many soldiers has Russia lost in the war in Ukraine?", ("soldiers",)),
        ("How many active-duty troops does China's People's Liberation Army have?", ("troops",)),
        ("How much gas does Russia send to China through the Power of Siberia pipeline each year?", ("gas",)),
        ("What is India's policy on climate change?", ("climate",)),  # topic of "policy on ..."
        ("What is the population of Russia?", ("population",)),
        # Paraphrase words the texts lack are not key words: no refusal. Names are qa.analysis's, not these rules'.
        ("when did finland join nato", ()),
        ("In which year did Russia annex Crimea?", ()),
        ("What is the maximum range of the S-400 air defence system?", ()),  # "range" is in the text
        ("How many planes flew in the joint flight in May 2022?", ()),  # "war|planes"
        ("How many aircraft took part in the joint bomber flight in May 2022?", ()),
        ("What is the Kremlin's motive for talking up an alliance?", ()),  # only a figure's noun counts
        ("Have Russia and China signed a formal alliance treaty?", ()),
        ("How much does Russia trust China?", ()),
        ("", ()),
    ],
)
def test_unknown_key_terms(vocab, question, expected):
    assert unknown_key_terms(question, vocab) == expected


def test_unknown_key_terms_spare_every_answerable_development_question(vocab):
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    fired = {r["id"]: unknown_key_terms(r["question"], vocab) for r in rows if not r["out_of_scope"]}
    # blind3's single scoring found one false refusal: the "position on X" rule takes "maritime claims" for an unknown
    # topic (the text says "the South China Sea"). Kept as scored; the weakest rule, to revisit with the dev data.
    assert len(fired) == 311 and {k: v for k, v in fired.items() if v} == {"d43": ("maritime",)}


@pytest.mark.parametrize(
    "question, kind, expected",
    [
        ("In which year did Russia annex Crimea?", "date", "a date for when Russia annexed Crimea"),
        ("when did finland join nato", "date", "a date for when finland joined nato"),
        ("When was the Berlin Wall built?", "date", "a date for when the Berlin Wall was built"),
        (
            "How many nuclear warheads does the United States have?",
            "count",
            "a figure for the number of nuclear warheads the United States has",
        ),
        (
            "How many countries voted to suspend Russia from the UN Human Rights Council?",
            "count",
            "a figure for the number of countries that voted to suspend Russia from the UN Human Rights Council",
        ),
        ("How much does the S-400 cost?", "count", "a figure for how much the S-400 costs"),
        ("How many aircraft flew?", "count", "a figure for the number of aircraft that flew"),
    ],
)
def test_asked_for(question, kind, expected):
    assert asked_for(question, kind) == expected


@pytest.mark.parametrize(
    "question, phrase, fit",
    [
        # the minister the text names is China's: no answer to Russia's, one to China's
        ("Who is Russia's defence minister?", "Wei Fenghe", False),
        ("Who is China's defence minister?", "Wei Fenghe", True),
        ("Who is the Chinese defence minister?", "Wei Fenghe", True),
        ("When did Putin and Xi sign the joint statement?", "A joint statement by", True),  # a date
        ("When did China first receive Su-35s?", "delivering S-400", False),  # no date in that sentence
        ("How many warplanes took part in the joint flight?", "four Russian and two Chinese warplanes", True),  # a count in words
        ("How many S-400 systems did Russia deliver?", "delivering S-400", False),  # "S-400" is a name, not a count
        ("Which drone company stopped selling to Russia?", "DJI halted", True),  # a proper noun the recogniser left unlabelled
        ("Which Chinese firms has the EU sanctioned?", "DJI halted", False),  # names no EU
        ("Who is the Kremlin spokesperson?", "Dmitry Peskov said", True),
    ],
)
def test_answer_type_meets_evidence(analyzer, facts, texts, question, phrase, fit):
    a = analyzer.analyze(question)
    assert a.strict
    assert bool(fits(a, facts, [sid_of(texts, phrase)], texts)[0]) is fit


def test_fit_refusal_says_what_is_missing(analyzer, facts, texts):
    wei = [sid_of(texts, "Wei Fenghe")]
    refused = fit_refusal(analyzer.analyze("Who is Russia's defence minister?"), wei, facts, DEFAULT)
    assert refused == ("not_in_texts", not_named_message("Russia's defence minister"))
    assert fit_refusal(analyzer.analyze("Who is China's defence minister?"), wei, facts, DEFAULT) is None
    s400 = [sid_of(texts, "delivering S-400")]
    assert fit_refusal(analyzer.analyze("How many S-400 systems did Russia deliver?"), s400, facts, DEFAULT)[1].startswith(
        "The texts give no figure for the number of S-400 systems Russia delivered, so"
    )
    # a fitting sentence far less close to the question than the closest one does not answer it
    dated = [sid_of(texts, "delivering S-400"), sid_of(texts, "since 2014")]
    a = analyzer.analyze("When did China first receive Su-35s?")
    at = replace(DEFAULT, fit_relevance=0.62)  # the share of the closest sentence's relevance a fitting one must reach
    assert fit_refusal(a, dated, facts, at, relevance=[0.8, 0.3], texts=texts) is not None
    assert fit_refusal(a, dated, facts, at, relevance=[0.8, 0.7], texts=texts) is None
    assert fit_refusal(a, dated, facts, replace(at, fit_relevance=0.9), relevance=[0.8, 0.7], texts=texts) is not None


def test_messages():
    closest = NO_ANSWER.split("answer is given. ")[1]
    assert no_figure_message("a figure for China's annual defence budget") == (
        f"The texts give no figure for China's annual defence budget, so no answer is given. {closest}"
    )
    assert no_figure_message("a date").startswith("The texts give no date that answers this, so no answer is given.")
    assert (
        not_named_message("Russia's defence minister")
        == f"The texts do not name Russia's defence minister, so no answer is given. {closest}"
    )
    assert no_answer_message(Evidence(0.9, 1.0), ("budget",)) == f"The texts never mention “budget”, so they cannot answer this. {closest}"
    assert no_answer_message(Evidence(0.9, 1.0, ("Finland",)), ("finland", "Sweden")).startswith(
        "The texts never mention “Finland” or “Sweden”,"
    )
    assert no_answer_message(Evidence(0.1, 0.0)) == NO_ANSWER  # unchanged without terms
