"""The read path on a corpus of two myths by different authors: Myth 10 (shipped) and a fixture written for the tests
(tests/data/second_myth/myth-07.txt, a fictional author). Everything about the second text comes from its index."""

from __future__ import annotations

import shutil

import pytest

from core.artifacts import sentence_texts
from ingest.build import run_ingest
from qa.decide import fits
from qa.engine import Engine
from qa.followup import Reading, Turn
from tests.conftest import CORPUS, HASH, ROOT

FIXTURE = ROOT / "tests" / "data" / "second_myth" / "myth-07.txt"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("two-myths")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copy(FIXTURE, root / "corpus")
    report = run_ingest(root / "corpus", root / "index", models=(HASH,), progress=False)
    assert report.exit_code == 0, report.message
    return Engine.load(root / "index")


def first(answer) -> str:
    return " ".join(answer.sentences[0].text.split()) if answer.sentences else ""


def test_both_myths_and_their_authors_come_from_the_texts(engine):
    assert engine.myths == (7, 10)
    a = engine.ask("Who wrote the piece on the Arctic?")
    assert first(a).startswith("Tamsin Drevenhaug Senior Fellow, Arctic Security Programme")
    assert first(engine.ask("Which number is the Arctic myth in the series?")) == "Myth 7: ‘Russia is winning the race for the Arctic’"
    assert first(engine.ask("Who is the author of the myth about Russia and China joining forces?")).startswith("Margarete Klein")


def test_names_of_the_second_text_are_known_and_others_are_not(engine):
    assert engine.analyzer.analyze("What did Eirik Sandvold announce?").unknown == ()
    assert engine.analyzer.analyze("How many P-8s does Norway have?").unknown == ()
    refused = engine.ask("When did Greenland join NATO?")
    assert refused.status == "unknown_name" and "“Greenland”" in refused.message


def test_quotations_are_attributed_to_their_speakers(engine):
    texts = sentence_texts(engine.index.chunks)

    def speaker(start: str) -> str:
        (i,) = [i for i, t in enumerate(texts) if t.startswith(start)]
        return engine.facts.speakers[i]

    assert speaker("‘We do not need to win a race;") == "Sandvold"
    assert speaker("‘The Arctic belongs to those") == "Yevgeny Korolkov"
    assert speaker("Admiral Gennady Severtsev, then") == "Admiral Gennady Severtsev"
    assert speaker("Myth 7: ‘Russia is winning") == ""  # a title in quotes is nobody's speech
    assert speaker("Good policy should start") == ""  # the author's own words
    (i,) = [i for i, t in enumerate(texts) if t.startswith("‘We do not need to win a race;")]
    quoted = engine._sentence(i, 0, 1.0)  # how an answer carries it
    assert quoted.speaker == "Sandvold" and quoted.to_json() == {
        "text": texts[i],
        "passage": 0,
        "speaker": "Sandvold",
        "stance": "reported",
        "holder": "Sandvold",
    }


def test_answer_type_meets_evidence_across_myths(engine):
    texts = sentence_texts(engine.index.chunks)

    def fit(question: str, start: str) -> bool:
        (i,) = [i for i, t in enumerate(texts) if t.startswith(start)]
        return bool(fits(engine.analyzer.analyze(question), engine.facts, [i], texts)[0])

    # "Norway offers a useful model. Its defence minister, Eirik Sandvold, …": Norway's, named the sentence before
    assert fit("Who is Norway's defence minister?", "Its defence minister, Eirik Sandvold")
    assert not fit("Who is Russia's defence minister?", "Its defence minister, Eirik Sandvold")
    assert engine.ask("Who is Russia's defence minister?").status == "not_in_texts"  # no sentence names Russia's
    assert fit("On what date did Finland join NATO?", "Finland joined NATO on 4 April 2023")
    assert not fit("On what date did Finland join NATO?", "Second, the war against Ukraine")  # no date
    assert engine.ask("How many icebreakers does China have?").status == "not_in_texts"


def test_follow_ups_read_the_previous_answer(engine):
    start = engine.ask("What three reasons does the author give for why the myth is wrong?", myth=7)
    assert start.answered
    why = engine.ask("What's the first one?", previous=[Turn.of(start)])
    assert why.understood_as and why.understood_as.startswith("The first: ")
    finland = engine.ask("What about Greenland?", previous=[Turn.of(start), Turn.of(why)])
    assert finland.status == "unknown_name"  # a follow-up reading is refused like any question
    read = engine.analyzer.analyze("Why?", (Turn.of(start),))
    assert read.follow_up.reading == Reading.REASON and read.follow_up.context  # near the previous answer's passage
