"""Follow-up resolution: exact rewrites for each rule, and standalone questions left alone."""

import json
from itertools import islice
from pathlib import Path

import pytest

from qa.followup import Rewrite as Reading
from qa.followup import Turn, resolve

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"
ANSWER = "There is no evidence that China is helping Russia to replace the military equipment it has lost in Ukraine."
ARMING = Turn("Is China arming Russia?", ANSWER)

# Among the first 100 evaluation questions none needs the previous turn. Some use "they" or "the two"
# ("Do they have a joint command structure?", "Which of the two is the stronger partner?"), but there they mean
# the text's two countries, whatever was asked before, so they must stay as typed too.
CONTEXT_DEPENDENT: set[str] = set()


def rewritten(text: str) -> Reading:
    return Reading(text, text)


@pytest.mark.parametrize(
    "question, previous, expected",
    [
        ("And what about India?", ARMING, "Is India arming Russia?"),
        ("What about the US?", ARMING, "Is the US arming Russia?"),
        ("And Russia?", ARMING, "Is Russia arming China?"),  # the second of two countries: they swap places
        ("What about China?", Turn("Is India arming Russia?"), "Is China arming Russia?"),
        ("And Beijing?", Turn("What is Moscow helping build?"), "What is Beijing helping build?"),
        ("how about nato", Turn("Does Russia see the EU as a threat?"), "Does Russia see nato as a threat?"),  # as typed
        ("What about Xi?", Turn("What did Putin say at the Valdai conference?"), "What did Xi say at the Valdai conference?"),
        ("And Japan?", Turn("Is China arming Russia — what about NATO?"), "Is Japan arming Russia?"),
        # no name of the same kind to replace (or the same thing already named): the new one is appended
        ("how about nato", ARMING, "Is China arming Russia — what about nato?"),
        # no list of aliases: a capital is another place, as a reader new to the field would read it
        ("And Beijing?", ARMING, "Is Beijing arming Russia?"),
        ("And the economy?", ARMING, "Is China arming Russia — what about the economy?"),
        ("What about sanctions?", Turn("Is China arming Russia — what about NATO?"), "Is China arming Russia — what about sanctions?"),
    ],
)
def test_what_about(question, previous, expected):
    assert resolve(question, [previous]) == rewritten(expected)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Why?", f"Why: {ANSWER}"),
        ("why is that?", f"Why: {ANSWER}"),
        ("But why?", f"Why: {ANSWER}"),
        ("How come?", f"Why: {ANSWER}"),
        ("Why not?", f"Why not: {ANSWER}"),
        ("When was that?", f"When: {ANSWER}"),
        ("When?", f"When: {ANSWER}"),
        ("when did that happen", f"When: {ANSWER}"),
        ("Where?", f"Where: {ANSWER}"),
        ("Who said that?", f"Who said “{ANSWER[:-1]}”?"),
        ("who said it", f"Who said “{ANSWER[:-1]}”?"),
    ],
)
def test_about_the_previous_answer(question, expected):
    assert resolve(question, [ARMING]) == rewritten(expected)


def test_without_an_answer_the_previous_question_is_used():
    assert resolve("Why?", [Turn("Is China arming Russia?")]) == rewritten("Why: Is China arming Russia?")


def test_only_the_last_turn_counts():
    turns = [Turn("What did Putin say at the Valdai conference?"), ARMING]
    assert resolve("And India?", turns) == rewritten("Is India arming Russia?")


@pytest.mark.parametrize(
    "question, previous, expected",
    [
        ("What did he say?", Turn("Who is the Kremlin spokesman?", "Spokesman Dmitry Peskov said so."), "What did Dmitry Peskov say?"),
        ("Who is she?", Turn("Who wrote it?", "Margarete Klein is Head of the Research Division."), "Who is Margarete Klein?"),
        ("What did they sign?", Turn("When did Xi and Putin meet?"), "What did Xi and Putin sign?"),
        ("What did they sign?", ARMING, "What did China and Russia sign?"),
        ("Does it include India?", Turn("What is the Quad?"), "Does the Quad include India?"),
        ("What about his views?", Turn("What did Putin say?"), "What about Putin's views?"),
        # the texts give no one's gender: "he" and "she" take the people named, in order
        ("What is her job?", Turn("What did Jane Roe write?"), "What is Jane Roe's job?"),
        ("Did he meet her in Moscow?", Turn("Did Putin meet Jane Roe?"), "Did Putin meet Jane Roe in Moscow?"),
    ],
)
def test_pronouns(question, previous, expected):
    assert resolve(question, [previous]) == rewritten(expected)


@pytest.mark.parametrize(
    "question, previous",
    [
        ("What did he say?", ARMING),  # no person to be "he"
        ("Who hired her?", ARMING),  # no person named
        ("Is it true?", Turn("What is the Quad?")),
        ("Why is it wrong?", Turn("Does NATO fear China?")),  # "it" is the myth
        ("Who holds them?", ARMING),
        ("Do they have a joint command structure?", Turn("Did Xi and Putin meet?")),
        ("What about us?", ARMING),
        ("Who said that?", Turn("Is China arming Russia?")),  # nothing was answered
        ("And then?", ARMING),
        ("What about the myth is wrong?", ARMING),
        ("What is the capital of France?", ARMING),
        ("Why is the myth wrong?", ARMING),
        ("Who said the alliance has no limits?", ARMING),
    ],
)
def test_standalone_or_unresolvable_questions_unchanged(question, previous):
    assert resolve(question, [previous]) == Reading(question, None)


@pytest.mark.parametrize("question", ["Why?", "And what about India?", "Who said that?", "What did he say?", "When?"])
def test_no_previous_turn_no_rewrite(question):
    assert resolve(question, []) == Reading(question, None)
    assert resolve(question, [Turn("  ")]) == Reading(question, None)


@pytest.mark.parametrize("question", ["", "   ", "\n"])
def test_empty_question_unchanged(question):
    assert resolve(question, [ARMING]) == Reading(question, None)


def test_first_100_evaluation_questions_stand_alone():
    with QUESTIONS.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in islice(f, 100)]
    assert len(rows) == 100
    previous = [
        ARMING,
        Turn("What did Putin say at the Valdai conference?", "Putin replied at the Valdai conference in 2020."),
        Turn("Does NATO worry about the Quad?", "Xi Jinping and Vladimir Putin met in Beijing."),
        Turn("Who wrote it?", "Margarete Klein is Head of the Research Division."),
    ]
    for turn in previous:
        changed = [r["id"] for r in rows if r["id"] not in CONTEXT_DEPENDENT and resolve(r["question"], [turn]).understood_as]
        assert changed == [], turn
