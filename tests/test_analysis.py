"""Question understanding (qa.analysis): one frozen analysis per question, learned from the parse and the index."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.artifacts import load_index, sentence_texts
from qa.analysis import Analyzer, AnswerType, Focus
from qa.facts import sentence_facts
from qa.followup import NEXT, Reading, Turn


@pytest.fixture(scope="module")
def analyzer(hash_index):
    index = load_index(hash_index)
    facts = sentence_facts(index.chunks, sentence_texts(index.chunks))
    return Analyzer(index.bm25_sentences.vocab_dict, facts.names)


@pytest.mark.parametrize(
    "question, kind, strict",
    [
        ("When did Putin and Xi sign the joint statement?", AnswerType.DATE, True),
        ("On what date did Finland join NATO?", AnswerType.DATE, True),
        ("How many warplanes took part in the joint flight?", AnswerType.NUMBER, True),
        ("How much did China pay Russia for its S-400 systems?", AnswerType.NUMBER, True),
        ("What is China's annual defence budget?", AnswerType.NUMBER, True),
        ("How much does Russia trust China?", AnswerType.OTHER, False),  # a degree, not an amount
        ("Who is the Kremlin spokesperson?", AnswerType.PERSON, True),
        ("Who commands the fleet?", AnswerType.WHO, True),
        ("Who is Russia's defence minister?", AnswerType.PERSON, True),  # a role of an owner: a person by name
        ("Which minister described the relationship as a partnership?", AnswerType.PERSON, True),
        ("Which drone company stopped selling to Russia?", AnswerType.ORGANISATION, True),
        ("Whom does the US administration see as its main rival?", AnswerType.WHO, False),
        ("Who promotes the myth?", AnswerType.OTHER, False),  # a template section, answered by groups
        ("Why does the Kremlin avoid an alliance?", AnswerType.REASON, False),
        ("Is China arming Russia?", AnswerType.YES_NO, False),
        ("Where did Putin say that an alliance was imaginable?", AnswerType.PLACE, False),
    ],
)
def test_answer_type(analyzer, question, kind, strict):
    a = analyzer.analyze(question)
    assert (a.answer_type, a.strict) == (kind, strict)


@pytest.mark.parametrize(
    "question, unknown",
    [
        ("When did Finland and Sweden apply to join NATO?", ("Finland", "Sweden")),
        ("when did finland join nato", ("Finland",)),  # lower case: recased for the recogniser
        ("What is Zelensky's view of China?", ("Zelensky",)),
        ("How much gas flows through the Power of Siberia pipeline?", ("Power of Siberia",)),
        ("So I've been following the war for a while — is China sending weapons to Russia?", ()),  # "ve" is no name
        ("When did China first receive Su-35s?", ()),  # a plural designation the texts use in the singular
        ("Has Moscow shifted its position on Beijing's South China Sea claims?", ()),
        ("is their relationship just about ganging up on the west", ()),  # lower-case verbs are not recased
        ("What has the war revealed about Sino-Russian defence ties?", ()),  # one known part of a compound is enough
        ("Finland joined NATO; did Russia react?", ("Finland",)),  # a name first in the sentence is still a name
        ("Is Putin right? Brazil thinks so.", ("Brazil",)),
        ("Does Russia see America or the UN as the enemy?", ()),  # a reader's alias, an acronym the texts may spell out
        ("WHAT DOES FINLAND THINK", ()),  # capitals everywhere: no signal
        ("Is Pyongyang helping Moscow?", ("Pyongyang",)),
        ("", ()),
    ],
)
def test_unknown_names_come_from_the_index(analyzer, question, unknown):
    assert analyzer.analyze(question).unknown == unknown


def test_focus_is_the_thing_asked_for(analyzer):
    assert analyzer.analyze("Who is Russia's defence minister?").focus == Focus("Russia", "minister", "Russia's defence minister", True)
    assert analyzer.analyze("Which Chinese official insisted on a partnership?").focus == Focus("Chinese", "official", "Chinese official")
    assert analyzer.analyze("Whom does the US administration see as its main rival?").focus is None  # the subject, not the answer


def test_author_view(analyzer):
    assert analyzer.analyze("Does the author think an alliance is likely?").author_view
    assert not analyzer.analyze("Did Putin think an alliance is likely?").author_view


def test_analysis_is_frozen_and_computed_once(analyzer):
    a = analyzer.analyze("Why is the myth wrong?")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "other"  # type: ignore[misc]
    assert a.sections == ("Why is it wrong?",) and a.metadata is None and a.follow_up is None
    assert analyzer.analyze("Who wrote this piece?").metadata == "author"


ANSWER = "There is no evidence that China is helping Russia to replace the military equipment it has lost in Ukraine."
ARMING = Turn("Is China arming Russia?", ANSWER)


@pytest.mark.parametrize(
    "question, reading, text",
    [
        ("Why?", Reading.REASON, f"Why: {ANSWER}"),
        ("Where and when did he say that?", Reading.TIME_PLACE, f"Where: {ANSWER}"),
        ("Who said that?", Reading.SOURCE, f"Who said “{ANSWER[:-1]}”?"),
        ("Give me an example", Reading.EXAMPLE, f"For example: {ANSWER}"),
        ("Which outlets do you mean?", Reading.MORE, f"More: {ANSWER}"),
        ("What's the first one?", Reading.ITEM, f"The first: {ANSWER}"),
        ("And what about India?", Reading.OTHER_ENTITY, "Is India arming Russia?"),
    ],
)
def test_follow_up_readings_are_explicit(analyzer, question, reading, text):
    a = analyzer.analyze(question, (ARMING,))
    assert (a.follow_up.reading, a.text, a.understood_as, a.follow_up.refers_to) == (reading, text, text, ANSWER)


def test_a_follow_up_reading_keeps_what_the_asker_named(analyzer):
    """ "What about Finland?" after "Why?" is read as a question about Finland, and Finland is still unknown."""
    why = Turn(f"Why: {ANSWER}", "Because it fears entrapment.", "Why?")
    a = analyzer.analyze("What about Finland?", (ARMING, why))
    assert a.follow_up.reading == Reading.OTHER_ENTITY and a.unknown == ("Finland",)
    assert a.text == "Is Finland arming Russia?"  # the question asked before "Why?", about Finland


def test_item_position(analyzer):
    assert analyzer.analyze("What's the last one?", (ARMING,)).follow_up.item == -1
    assert analyzer.analyze("and the second one?", (ARMING,)).follow_up.item == 1


def test_no_text_specific_names_in_the_read_path():
    """Names, authors, institutes and titles of the texts come from the index: none is written in the code of the read
    path, ingestion, core or the learning side (every development myth's names are checked)."""
    root = Path(__file__).resolve().parent.parent
    rooms = ("qa", "core", "ingest", "learn", "evaluate", "api", "store")
    code = "\n".join(p.read_text(encoding="utf-8") for d in rooms for p in (root / d).rglob("*.py"))
    texts = [root / "corpus" / "myth-10-russia-and-china-joining-forces.txt", root / "tests" / "data" / "second_myth" / "myth-07.txt"]
    texts += sorted((root / "eval" / "dev").glob("*.txt"))  # the development myths too
    from core import nlp

    names = {e.text for t in texts for e in nlp.parse(t.read_text(encoding="utf-8")).ents if e.label_ in ("PERSON", "ORG", "FAC")}
    names = {n for n in names if len(n) > 4 and n[0].isupper() and "\n" not in n}
    assert len(names) > 20
    assert sorted(n for n in names if n in code) == []


def test_what_the_previous_sentence_may_answer_again(analyzer):
    putin = Turn("Has Putin imagined an alliance?", "Asked whether one was possible, Putin replied at the Valdai conference in 2020.")
    meant = analyzer.analyze("What did he mean by that?", (putin,))
    # "that" is the sentence shown: the answer is another one, and retrieval reads that sentence too
    assert meant.follow_up.reading == Reading.REFERS_BACK and not meant.follow_up.again
    assert meant.understood_as == "What did Putin mean by that?" and meant.text.endswith(putin.answer)
    other = analyzer.analyze("And what's the other one?", (ARMING,))
    assert other.follow_up.item == NEXT and not other.follow_up.again  # the item after the one shown
    when = analyzer.analyze("When was that?", (ARMING,))
    assert when.follow_up.again and not when.strict  # the date may sit in the sentence just shown
