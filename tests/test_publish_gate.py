"""`learn.tune --publish` publishes a tuned query encoder only when it answers at least as well as the published one on the
questions neither was tuned on; a worse one is refused with both versions' figures (exit 3) unless --publish-anyway."""

from __future__ import annotations

import json
import shutil
from functools import partial

import pytest

from core import layout
from evaluate.run import QUESTIONS, Question, load_questions
from learn.tune import gate
from learn.tune.gate import GateSettings, Refused, Score, Verdict, decide
from learn.tune.train import TuneSettings

GOOD = Score(right=40, answerable=39, unanswerable=12, top1=0.846, top3=0.949, sentence=0.795, refused=1, unanswerable_refused=9)
WORSE = Score(right=31, answerable=39, unanswerable=12, top1=0.615, top3=0.795, sentence=0.590, refused=0, unanswerable_refused=8)


def _q(id_, split="heldout", follows=None):
    return Question(id_, f"question {id_}?", ("gold",), split, "paraphrase", False, follows)


def test_a_worse_candidate_is_refused_an_equal_or_better_one_published():
    where = "on 51 questions neither version was tuned on (splits heldout)"
    refused = decide(GOOD, WORSE, where)
    assert not refused.publish and refused.reason == f"The candidate answers worse than the published version {where}:"
    assert refused.table().splitlines()[1:] == [
        "                           published     candidate",
        "answered right              40 of 51      31 of 51",
        "top-1 passage                  0.846         0.615",
        "top-3 passages                 0.949         0.795",
        "first sentence                 0.795         0.590",
        "answerable refused           1 of 39       0 of 39",
        "unanswerable refused         9 of 12       8 of 12",
    ]
    assert decide(GOOD, GOOD, where).reason.startswith("The candidate answers as well as the published version on 51")
    assert decide(WORSE, GOOD, where).publish and decide(GOOD, WORSE, where, slack=9).publish
    assert not decide(GOOD, WORSE, where, slack=8).publish
    assert Verdict(True, "nothing to compare").table() == "nothing to compare"
    assert GateSettings().splits == ("heldout",) and GateSettings().slack == 0


def test_the_gate_scores_only_what_neither_version_was_tuned_on_with_the_turns_before_follow_ups():
    questions = [_q("a", "tune"), _q("b"), _q("c", follows="a"), _q("d", follows="c"), _q("e")]
    chosen = gate.unseen_by_both(questions, {"a"}, frozenset({"b", "e"}))
    assert [q.id for q in chosen] == ["c", "d"]
    assert [q.id for q in gate._with_turns_before(chosen, questions)] == ["a", "c", "d"]  # a: asked for context only


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_candidate_tuned_on_wrong_gold_is_refused_with_the_figures_unless_published_anyway(shipped_index, tmp_path, monkeypatch, capsys):
    from learn.tune.__main__ import main
    from learn.tune.publish import published_record, tune_and_publish

    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    kept = [r for r in rows if r["split"] in ("tune", "heldout")]
    good = load_questions(_write(tmp_path / "good.jsonl", kept))
    said = tune_and_publish(index, good, "minilm", TuneSettings(epochs=1), log=lambda m: None)
    assert "the published version on " in said.splitlines()[1]  # the first tuning is judged against the base encoder too
    first = layout.current_version(index)
    trained = published_record(index, "minilm")["questions"]
    assert trained == sorted(r["id"] for r in kept if r["split"] == "tune" and not r["out_of_scope"])  # heldout kept out
    # 120 accepted votes whose gold is one unrelated sentence (the attack): every question pulled towards it.
    wrong = [
        {"id": f"rv-{n}", "question": r["question"], "gold": ["Margarete Klein"], "split": "reviewed", "kind": "feedback"}
        for n, r in enumerate(r for r in rows if r["split"].startswith("blind") and not r["out_of_scope"] and not r.get("follows"))
    ][:120]
    bad_file = _write(tmp_path / "bad.jsonl", kept + wrong)
    harsh = partial(TuneSettings, epochs=2, learning_rate=1e-4)
    with pytest.raises(Refused) as e:
        tune_and_publish(index, load_questions(bad_file), "minilm", harsh(), log=lambda m: None)
    message = str(e.value)
    # 39 + 12 held-out questions, and the 12 unanswerable ones of tune (never trained on: they have no gold)
    assert message.startswith("The candidate answers worse than the published version on 63 questions neither version was "
                              "tuned on (splits heldout, tune):\n")  # fmt: skip
    right = [line.split() for line in message.splitlines() if line.startswith("answered right")][0]
    assert right[3:5] == ["of", "63"] and right[6:8] == ["of", "63"] and int(right[5]) < int(right[2]), right
    assert message.endswith("Nothing was published; the published version answers as before.")
    assert layout.current_version(index) == first
    monkeypatch.setattr("learn.tune.train.TuneSettings", harsh)  # the CLI's settings; the export above is reused from the cache
    args = ["--publish", "--index", str(index), "--model", "minilm", "--questions", str(bad_file)]
    assert main(args) == gate.REFUSED_EXIT == 3
    err = capsys.readouterr().err
    assert "refused: The candidate answers worse" in err and "--publish-anyway" in err and layout.current_version(index) == first
    assert main([*args, "--publish-anyway"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Published index version ")
    assert out.endswith("\nPublished anyway (--publish-anyway), although it answers worse.\n")
    assert layout.current_version(index) != first and len(published_record(index, "minilm")["questions"]) == 40 + 120
    assert main(["--cross-validate", "--publish-anyway", "--index", str(index)]) == 2
    assert "--publish-anyway goes with --publish" in capsys.readouterr().err


def test_an_equal_candidate_is_published(shipped_index, tmp_path):
    """The published encoder itself as the candidate scores exactly the same: a tie publishes."""
    from learn.tune.gate import judge

    questions = [q for q in load_questions(QUESTIONS) if q.split == "heldout"]
    onnx = layout.model_path(layout.resolve(shipped_index), "minilm") / layout.QUERY_ONNX
    verdict = judge(shipped_index, "minilm", onnx, questions, set(), set())
    assert verdict.publish and verdict.published == verdict.candidate
    assert verdict.reason == (
        "The candidate answers as well as the published version on 51 questions neither version was tuned on (splits heldout):"
    )
