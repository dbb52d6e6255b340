"""Choosing the answer sentence (qa.rank): a list's items in order, the item asked for, who said what, the author's own
view, and whose view a sentence gives in the JSON — on a small fictional myth embedded by the hash model."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.build import run_ingest
from qa.engine import Engine
from qa.followup import Turn
from tests.conftest import HASH

TEXT = Path(__file__).parent / "data" / "discourse" / "myth-05.txt"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("rank")
    (root / "corpus").mkdir()
    shutil.copy(TEXT, root / "corpus" / TEXT.name)
    report = run_ingest(root / "corpus", root / "index", models=(HASH,), progress=False)
    assert report.exit_code == 0, report.message
    e = Engine.load(root / "index")
    # Answer every question; candidates ranked by similarity, the rules on top (the learned sentence model's weights mean
    # nothing on hash vectors: test_the_sentence_model_scores_standardised_features checks it apart).
    return Engine(e.index, e.encoders, replace(e.settings, abstain={}, answer_model={}, sentence_model={}), e.notices)


def test_a_list_question_is_answered_with_the_items_in_order(engine):
    a = engine.ask("What are the three reasons the myth fails?")
    assert [s.text for s in a.sentences] == [
        "First, the fleet is old.",
        "Second, the fleet is exposed.",
        "Third, the fleet is isolated.",
    ]
    assert a.passages[0].text.startswith("First,")  # the answer's own passage is cited first


def test_an_ordinal_follow_up_gives_that_item_of_the_list_shown(engine):
    first = engine.ask("What are the three reasons the myth fails?")
    third = engine.ask("And the third one?", previous=[Turn.of(first)])
    assert [s.text for s in third.sentences] == ["Third, the fleet is isolated."]
    following = engine.ask("What's the next one?", previous=[Turn.of(engine.ask("Why is the fleet exposed?"))])
    assert following.sentences[0].text in ("Third, the fleet is isolated.", "Second, the fleet is exposed.")


def test_who_said_that_names_the_speaker(engine):
    quoted = engine.ask("Is the Baltic a Russian lake?")
    assert quoted.sentences[0].text.startswith("‘The Baltic is a Russian lake,’")
    said = engine.ask("Who said that?", previous=[Turn.of(quoted)])
    assert "Admiral Pavel Rudnev" in said.sentences[0].text
    assert said.read_against == ("Is the Baltic a Russian lake?", quoted.sentences[0].text)  # "Who said …" is shown as the turn
    assert said.to_json()["read_against"] == {"question": "Is the Baltic a Russian lake?", "answer": quoted.sentences[0].text}


def test_the_authors_view_is_never_the_view_the_question_quotes(engine):
    a = engine.ask("Some analysts argue that Kaliningrad makes the fleet invulnerable. What does the author think?")
    assert a.sentences and all(s.stance == "author" for s in a.sentences[:1])
    plain = Engine(engine.index, engine.encoders, replace(engine.settings, author_rule=False), engine.notices)
    b = plain.ask("Some analysts argue that Kaliningrad makes the fleet invulnerable. What does the author think?")
    assert b.sentences[0].stance == "reported"  # the sentence most like the question: what the rule is there for


def test_a_reported_view_says_whose_it_is(engine):
    a = engine.ask("Does Kaliningrad make the fleet invulnerable?")
    reported = next(s for s in a.sentences if s.text.startswith("Some analysts argue"))
    assert reported.to_json() | {"passage": 0} == {
        "text": reported.text,
        "passage": 0,
        "stance": "reported",
        "holder": "Some analysts",
    }
    assert reported.attribution() == "the view of some analysts, reported"
    myth = next(s for s in engine.ask("Could the fleet close the sea to NATO within days?").sentences if s.stance == "myth")
    assert myth.attribution() == "the myth, as the text states it"


def test_the_sentence_model_scores_standardised_features():
    import numpy as np

    from qa.rank import score
    from qa.sentence_features import FEATURES

    x = np.zeros((2, len(FEATURES)))
    x[:, FEATURES.index("fused")] = [0.5, 0.9]
    x[:, FEATURES.index("reported")] = [0.0, 1.0]
    assert score({}, x).tolist() == [0.5, 0.9]  # no model: the fused similarity
    model = {"fused": 2.0, "reported": -3.0, "bias": 0.0, "mean": {"fused": 0.7}, "scale": {"fused": 0.2}}
    assert np.allclose(score(model, x), [2.0 * (0.5 - 0.7) / 0.2, 2.0 * (0.9 - 0.7) / 0.2 - 3.0])  # the reported one loses
