"""Near-domain refusals (qa.near_domain): key words the texts lack, and a date or figure they do not give.

Vocabulary and sentences come from the shipped corpus indexed by the hash embedder (structure only, no model).
"""

from __future__ import annotations

import json

import pytest

from core.artifacts import load_index
from qa.abstain import NO_ANSWER, Evidence, no_answer_message, no_figure_message
from qa.near_domain import missing_quantity, near_domain_refusal, quantity_type, unknown_key_terms
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def index(hash_index):
    return load_index(hash_index)


@pytest.fixture(scope="module")
def vocab(index):
    return index.bm25_sentences.vocab_dict


@pytest.fixture(scope="module")
def paragraph(index):
    """The sentences of the passage holding a phrase of the shipped text."""

    def find(phrase: str) -> list[str]:
        (chunk,) = [c for c in index.chunks if phrase in c.text]
        return [chunk.text[s.start - chunk.start : s.end - chunk.start] for s in chunk.sentences]

    return find


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What is China's annual defence budget?", ("budget",)),  # the figure asked for
        ("when did finland join nato", ("finland",)),  # a name in lower case
        ("When did Finland and Sweden apply to join NATO?", ("Finland", "Sweden")),
        ("what does poland think about china", ("poland",)),
        ("What is Zelensky's view of China?", ("Zelensky",)),
        ("How many Su-35 fighter jets has China bought from Russia?", ("jets",)),  # head of "how many ..."
        ("How many nuclear warheads does the United States have?", ("warheads",)),
        ("How many soldiers has Russia lost in the war in Ukraine?", ("soldiers",)),
        ("How many active-duty troops does China's People's Liberation Army have?", ("troops",)),
        ("How much gas does Russia send to China through the Power of Siberia pipeline each year?", ("gas",)),
        ("What is India's policy on climate change?", ("climate",)),  # topic of "policy on ..."
        ("What is the population of Russia?", ("population",)),
        # Paraphrase words the texts lack are not key words: no refusal.
        ("In which year did Russia annex Crimea?", ()),
        ("What is the maximum range of the S-400 air defence system?", ()),  # "range" is in the text
        ("How many planes flew in the joint flight in May 2022?", ()),  # "war|planes"
        ("How many aircraft took part in the joint bomber flight in May 2022?", ()),
        ("What is the Kremlin's motive for talking up an alliance?", ()),  # only a figure's noun counts
        ("Have Russia and China signed a formal alliance treaty?", ()),
        ("How did Russian lawmakers describe the February 2022 declaration?", ()),
        ("Which institute in Germany does the author work for?", ()),  # "German Institute": not listed
        ("is vietnam still working with russia militarily", ()),
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
    "question, phrase, expected",
    [
        ("In which year did Russia annex Crimea?", "annexation of Crimea", "a date for when Russia annexed Crimea"),
        (
            "What is the maximum range of the S-400 air defence system?",
            "delivering S-400",  # "S-400", "Su-35" are names and 2014, 2019 years: no figure
            "a figure for the maximum range of the S-400 air defence system",
        ),
        (
            "How many Su-35 fighter jets has China bought from Russia?",
            "delivering S-400",
            "a figure for the number of Su-35 fighter jets China has bought from Russia",
        ),
        (
            "How many soldiers has Russia lost in the war in Ukraine?",
            "DJI halted",
            "a figure for the number of soldiers Russia has lost in the war in Ukraine",
        ),
        ("What is China's annual defence budget?", "Shangri-La", "a figure for China's annual defence budget"),  # "four": a count only
        ("How many aircraft took part in the joint bomber flight in May 2022?", "Shangri-La", None),  # "four ... two"
        ("When did the joint Russian–Chinese bomber flight take place?", "Shangri-La", None),  # "May 2022"
        ("Since when has military cooperation between Russia and China deepened?", "delivering S-400", None),  # 2014
    ],
)
def test_missing_quantity_on_passages_of_the_text(paragraph, question, phrase, expected):
    assert missing_quantity(question, paragraph(phrase)) == expected


@pytest.mark.parametrize(
    "question, sentences, expected",
    [
        ("when did finland join nato", ["No date here."], "a date for when finland joined nato"),
        ("When was the Berlin Wall built?", [], "a date for when the Berlin Wall was built"),
        ("How many nuclear warheads does the United States have?", [], "a figure for the number of nuclear warheads the United States has"),
        (
            "How many countries voted to suspend Russia from the UN Human Rights Council?",
            ["China voted against suspending Russia."],
            "a figure for the number of countries that voted to suspend Russia from the UN Human Rights Council",
        ),
        ("How much does the S-400 cost?", ["Russia delivered S-400 air defence systems."], "a figure for how much the S-400 costs"),
        ("How many aircraft flew?", ["It happened on 16 December 2021."], "a figure for the number of aircraft that flew"),  # a day
        ("How many aircraft flew?", ["A flight by 4 Russian planes."], None),
        ("How much gas does Russia send to China each year?", ["Russia sends 38 billion cubic metres a year."], None),
        ("What is the GDP of Germany?", ["Its GDP grew by 2 per cent."], None),
        ("On what date did Peskov speak?", ["On 16 December 2021, Peskov said so."], None),
        ("When Beijing echoes the Kremlin's version of events, whom does it hold responsible?", [], None),  # "when" asks no date
        ("What number does this myth have in the series?", [], None),  # an identifier, not a figure
        ("How much does Russia trust China?", [], None),  # a degree
        ("How much help has China given Russia?", [], None),
        ("Why is the myth wrong?", [], None),
    ],
)
def test_missing_quantity(question, sentences, expected):
    assert missing_quantity(question, sentences) == expected


def test_quantity_type():
    assert [
        quantity_type(q)
        for q in ("In which year?", "When did it start?", "How many jets?", "What is the budget?", "When Beijing waits, who wins?", "Why?")
    ] == ["date", "date", "count", "figure", None, None]


def test_messages():
    closest = NO_ANSWER.split("answer is given. ")[1]
    assert no_figure_message("a figure for China's annual defence budget") == (
        f"The texts give no figure for China's annual defence budget, so no answer is given. {closest}"
    )
    assert no_figure_message("a date for when Russia annexed Crimea").startswith(
        "The texts give no date for when Russia annexed Crimea, so"
    )
    assert no_figure_message("a date").startswith("The texts give no date that answers this, so no answer is given.")
    assert no_answer_message(Evidence(0.9, 1.0), ("budget",)) == f"The texts never mention “budget”, so they cannot answer this. {closest}"
    assert no_answer_message(Evidence(0.9, 1.0, ("Finland",)), ("finland", "Sweden")).startswith(
        "The texts never mention “Finland” or “Sweden”,"
    )
    assert no_answer_message(Evidence(0.1, 0.0)) == NO_ANSWER  # unchanged without terms


def test_near_domain_refusal_checks_can_be_switched_off(vocab):
    q, sentences = "How many Su-35 fighter jets has China bought from Russia?", ["Russia delivered Su-35 aircraft in 2019."]
    assert near_domain_refusal(q, vocab, sentences).startswith("The texts never mention “jets”")
    assert near_domain_refusal(q, vocab, sentences, key_terms=False).startswith(
        "The texts give no figure for the number of Su-35 fighter jets"
    )
    assert near_domain_refusal(q, vocab, sentences, key_terms=False, quantity=False) is None
    assert near_domain_refusal("Which systems has Russia sold to China?", vocab, sentences) is None


def test_a_vague_count_answers_how_many():
    from qa.near_domain import missing_quantity

    sentence = ["Many of the bases hold only a few aircraft and depend on supply ships that ice can delay for weeks."]
    assert missing_quantity("How many aircraft do the Arctic bases hold?", sentence) is None
    assert missing_quantity("How many aircraft do the Arctic bases hold?", ["The bases are old."]) == (
        "a figure for the number of aircraft the Arctic bases hold"
    )
