"""Claim check: which myth a claim restates, its verbatim "Why is it wrong?" sentences, the CLI and the claim set."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

from evaluate.claims import CLAIMS, Claim, Outcome, load_claims, table
from ingest.build import run_ingest
from qa.claim import CLAIM, CLOSEST, EMPTY, NO_MATCH, ClaimSettings, check, threshold
from qa.engine import Engine
from tests.conftest import HASH

TWO_MYTHS = """Myth 3: ‘Russia’s navy can close the Baltic Sea at will’
Erik
Lindqvist
Senior Fellow, Nordic Institute for Maritime Studies
Geography and NATO enlargement have turned the Baltic into a sea that Russia cannot control on its own.
What is the myth?
Commentators often claim that the Baltic Fleet could seal off the Baltic Sea within hours of a crisis.
Who advocates or subscribes to it?
The claim is repeated by Russian admirals on state television.
Why is it wrong?
Since Finland and Sweden joined NATO, almost the whole Baltic coastline belongs to the alliance. \
The Baltic Fleet is small, old and bottled up in Kaliningrad and Kronstadt.
Submarine patrols cannot stop allied convoys in such shallow water.
What is its impact on policy?
Overstating the fleet leads planners to neglect mine countermeasures and port defence.
What would good policy look like?
Allies should invest in minehunters and in shared maritime surveillance of the Gulf of Finland.
Myth 7: ‘Sanctions have had no effect on Russian arms production’
Amara
Okafor
Research Director, Centre for Economic Security, University of Leeds
Export controls have not stopped the factories, but they have made every missile slower and dearer to build.
What is the myth?
The myth holds that Russian defence plants work at full speed as if no export controls existed.
Who advocates or subscribes to it?
It is popular with critics of sanctions policy who point to rising shell output.
Why is it wrong?
Russian manufacturers now pay intermediaries in third countries large premiums for machine tools. \
Microelectronics arrive late and in uneven quality, which slows the assembly of cruise missiles.
What is its impact on policy?
Believing sanctions are useless invites governments to relax enforcement against smuggling networks.
What would good policy look like?
Enforcement should target the trading hubs that re-export machine tools and chips.
"""
BALTIC = "The Baltic Fleet could seal off the Baltic Sea"
FINLAND = "Since Finland and Sweden joined NATO, almost the whole Baltic coastline belongs to the alliance."
KALININGRAD = "The Baltic Fleet is small, old and bottled up in Kaliningrad and Kronstadt."


@pytest.fixture(scope="module")
def two_myths(tmp_path_factory) -> Engine:
    """Two myths in one text, embedded by the deterministic hash model (no model files)."""
    root = tmp_path_factory.mktemp("claims")
    (root / "corpus").mkdir()
    (root / "corpus" / "two-myths.txt").write_text(TWO_MYTHS, encoding="utf-8")
    report = run_ingest(root / "corpus", root / "index", models=(HASH,), progress=False)
    assert report.exit_code == 0, report.message
    e = Engine.load(root / "index")
    # Rebuttal sentences ranked by similarity: the learned sentence model's weights mean nothing on hash vectors.
    return Engine(e.index, e.encoders, replace(e.settings, sentence_model={}), e.notices)


def _verbatim(result) -> None:
    """Every sentence is an exact slice of the passage it cites, and every passage is the matched myth's rebuttal."""
    for s in result.sentences:
        assert result.passages[s.passage].text[s.start : s.end] == s.text
    assert all(p.myth == result.myth and p.section == CLAIM.rebuttal for p in result.passages)


def test_claims_match_their_own_myth_among_two(two_myths):
    baltic = check(two_myths, BALTIC)
    assert (baltic.matched, baltic.myth, baltic.author) == (True, 3, "Erik Lindqvist")
    assert baltic.title == "Russia’s navy can close the Baltic Sea at will"
    assert baltic.message == "This claim matches Myth 3: ‘Russia’s navy can close the Baltic Sea at will’ by Erik Lindqvist."
    assert [s.text for s in baltic.sentences] == [KALININGRAD, FINLAND]
    assert baltic.score == pytest.approx(0.8682, abs=1e-4)
    _verbatim(baltic)
    sanctions = check(two_myths, "Sanctions have had no effect on Russian arms production")
    assert (sanctions.matched, sanctions.myth, sanctions.author) == (True, 7, "Amara Okafor")
    assert [s.text for s in sanctions.sentences] == [
        "Russian manufacturers now pay intermediaries in third countries large premiums for machine tools."
    ]
    _verbatim(sanctions)


def test_claim_no_myth_covers(two_myths):
    r = check(two_myths, "Chocolate cake is the best dessert")
    assert (r.matched, r.myth, r.title, r.author, r.sentences, r.agrees) == (False, None, None, None, (), False)
    assert r.message == NO_MATCH + CLOSEST and 0 < r.score < CLAIM.default_threshold
    assert r.passages and r.passages == two_myths.ask(r.claim, k=CLAIM.k).passages  # still the closest passages, to read


def test_threshold_comes_from_the_settings(two_myths):
    strict = ClaimSettings(thresholds=((HASH, 0.95),))
    r = check(two_myths, BALTIC, strict)
    assert not r.matched and r.message == NO_MATCH + CLOSEST and r.score == pytest.approx(0.8682, abs=1e-4)
    # several models: their thresholds weighted as the engine weights their cosines (scaled to sum to 1)
    both = SimpleNamespace(weights={"minilm": 0.25, "mpnet": 1.0}, tuned=frozenset())
    assert threshold(both) == pytest.approx(0.2 * dict(CLAIM.thresholds)["minilm"] + 0.8 * dict(CLAIM.thresholds)["mpnet"])


def test_rebuttal_when_the_engine_declines(two_myths):
    claim = BALTIC + ", says Zorblax"
    declined = two_myths.ask(claim, myth=3, section=CLAIM.rebuttal)
    assert not declined.answered and "Zorblax" in declined.message  # a name the texts never use
    r = check(two_myths, claim)
    assert r.matched and r.myth == 3 and [s.text for s in r.sentences] == [KALININGRAD, FINLAND]
    assert {s.passage for s in r.sentences} == {0}
    _verbatim(r)


@pytest.mark.parametrize("claim", ["", "   \n\t", None, "\u200b\u200b"])
def test_empty_claim(two_myths, claim):
    r = check(two_myths, claim)
    assert (r.matched, r.message, r.sentences, r.passages, r.score) == (False, EMPTY, (), (), 0.0)


def test_long_claim_keeps_its_end_with_a_notice(two_myths):
    r = check(two_myths, f"{BALTIC}. " * 40)
    assert r.matched and r.myth == 3 and "Your claim is 360 words long; only its last" in r.message


def test_to_json(two_myths):
    d = json.loads(json.dumps(check(two_myths, BALTIC).to_json(), ensure_ascii=False))
    assert list(d) == ["claim", "matched", "myth", "title", "author", "message", "score", "agrees", "sentences", "passages"]
    assert d["myth"] == 3 and d["sentences"][0] == {"text": KALININGRAD, "passage": 0}
    assert d["passages"][0]["section"] == "Why is it wrong?" and KALININGRAD in d["passages"][0]["text"]


@pytest.fixture(scope="module")
def shipped_engine(shipped_index, encoder) -> Engine:
    return Engine.load(shipped_index, encoders={"minilm": encoder})


def test_shipped_paraphrase_and_unrelated(shipped_engine):
    r = check(shipped_engine, "so china is basically arming russia for the war, right?")
    assert (r.matched, r.myth, r.author) == (True, 10, "Margarete Klein")
    assert r.title == "Russia and China are joining forces militarily against the West"
    assert any(s.text.startswith("There is no evidence that China is helping Russia") for s in r.sentences)
    _verbatim(r)
    assert not check(shipped_engine, "Goldfish have a three-second memory.").matched


def test_cli_prints_the_claim_as_json(shipped_index, shipped_engine, monkeypatch, capsys):
    from qa.cli import main

    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: shipped_engine))  # no second model load
    assert main(["--index", str(shipped_index), "--claim", "Russia and China have formed a military alliance against the West."]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["matched"] and d["myth"] == 10 and d["sentences"]
    assert main(["--index", str(shipped_index), "--claim", " "]) == 2  # bad input: nothing to check
    assert json.loads(capsys.readouterr().out)["message"] == EMPTY


@pytest.mark.parametrize("extra", [["a question"], ["--myth", "10"], ["--section", "Why is it wrong?"], ["--follow-up"]])
def test_cli_claim_excludes_question_options(extra, capsys):
    from qa.cli import parse_args

    with pytest.raises(SystemExit) as e:
        parse_args(["--claim", "China arms Russia.", *extra])
    assert e.value.code == 2 and "--claim cannot be combined with" in capsys.readouterr().err


def test_claim_set_is_well_formed():
    claims = load_claims(CLAIMS)
    assert len(claims) >= 40 and len({c.id for c in claims}) == len(claims)
    assert {c.split for c in claims} == {"tune", "heldout"} and {c.myth for c in claims} == {10, None}
    for split in ("tune", "heldout"):
        assert {c.myth for c in claims if c.split == split} == {10, None}
    assert {"paraphrase", "chat", "lowercase", "short", "long", "partly_true", "near_domain", "unrelated"} <= {c.kind for c in claims}


def test_claim_report_table():
    rows = [Claim("a", "x", 10, "k", "tune"), Claim("b", "y", None, "k", "tune"), Claim("c", "z", 10, "k", "heldout")]
    outcomes = [Outcome(rows[0], 10, 0.7, 0.01), Outcome(rows[1], 10, 0.6, 0.02), Outcome(rows[2], None, 0.5, 0.03)]
    lines = table(outcomes).splitlines()
    assert lines[1].split()[:5] == ["tune", "2", "1/1", "0/1", "0.500"]
    assert lines[3].split()[:5] == ["all", "3", "1/2", "0/1", "0.333"]


def test_claims_on_a_tuned_index_are_scored_with_a_base_encoder(seed_corpus, tmp_path, encoder):
    """Claim thresholds hold for base encoders: once ``make index`` tunes a model's query side, claims are scored with
    the models it did not tune (here the hash embedder, which the profile does not weight for questions)."""
    from evaluate.run import Question
    from learn.tune.publish import tune_and_publish
    from learn.tune.train import TuneSettings
    from qa import claim

    index = tmp_path / "index"
    assert run_ingest(seed_corpus, index, models=("minilm", HASH), progress=False, encoders={"minilm": encoder}).exit_code == 0
    before = Engine.load(index)
    assert before.tuned == frozenset() and claim.weights(before) == {"minilm": 1.0}
    questions = [Question("1", "which firm halted drone sales", ("DJI",), "tune", "factoid", False)]
    assert tune_and_publish(index, questions, "minilm", TuneSettings(epochs=1), log=lambda m: None, anyway=True).startswith(
        "Published index version "
    )
    tuned = Engine.load(index)
    assert tuned.tuned == frozenset({"minilm"}) and tuned.weights == {"minilm": 1.0}  # questions use the tuned encoder
    assert claim.weights(tuned) == {HASH: 1.0} and claim.threshold(tuned) == claim.CLAIM.default_threshold
    r = check(tuned, "Russia and China are joining forces militarily against the West.")
    assert (r.matched, r.myth) == (True, 10) and r.sentences
    _verbatim(r)
    assert not check(tuned, "Goldfish have a three-second memory.").matched
