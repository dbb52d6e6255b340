"""The question set is well formed and verbatim; the evaluation gates on the shipped index."""

import json
from collections import Counter

import pytest

from evaluate import QUESTIONS, evaluate, load_questions, sentence_hit
from evaluate.__main__ import main as evaluate_main
from evaluate.run import squash
from qa.engine import Engine


@pytest.fixture(scope="module")
def questions():
    return load_questions(QUESTIONS)


def test_question_set_shape(questions):
    answerable = [q for q in questions if not q.out_of_scope]
    oos = [q for q in questions if q.out_of_scope]
    assert len(answerable) >= 60 and len(oos) >= 12
    assert len({q.id for q in questions}) == len(questions)
    assert len({(q.split, q.question) for q in questions}) == len(questions)  # blind writers may repeat a far-off question
    assert {q.split for q in questions} == {"tune", "heldout", "blind", "blind2", "blind3", "blind4", "blind5"}
    assert all(not q.gold for q in oos)
    kinds = Counter((q.kind, q.split) for q in answerable)
    for kind in ("paraphrase", "factoid", "section"):
        assert all(kinds[(kind, split)] >= 3 for split in ("tune", "heldout", "blind", "blind2", "blind3", "blind4", "blind5"))
    assert Counter(q.split for q in oos) == {"tune": 12, "heldout": 12, "blind": 12, "blind2": 12, "blind3": 16, "blind4": 18, "blind5": 17}
    order = {q.id: i for i, q in enumerate(questions)}
    follow_ups = [q for q in questions if q.follows]
    assert len(follow_ups) == 12 and all(order[q.follows] == order[q.id] - 1 for q in follow_ups)  # asked right after


def test_every_gold_snippet_is_verbatim_in_the_corpus(questions, seed_text):
    text = squash(seed_text)  # gold is compared with runs of whitespace as one space (evaluate.run.squash)
    for q in questions:
        for g in q.gold:
            assert g in text, (q.id, g)


def test_gold_snippets_cover_all_five_sections(questions, shipped_index, encoder):
    engine = Engine.load(shipped_index, encoders={"minilm": encoder})
    sections = {c.section for q in questions for g in q.gold for c in engine.index.chunks if g in c.text}
    assert {"What is the myth?", "Who advocates or subscribes to it?", "Why is it wrong?", "What is its impact on policy?"} <= sections
    assert "What would good policy look like?" in sections


def test_sentence_hit_definition():
    assert sentence_hit("Moscow is assisting China in developing an early-warning system.", ("early-warning system",))
    assert sentence_hit(
        "A smart strategy would include both carrots and sticks.",
        ("focus on China. A smart strategy would include both carrots and sticks.",),
    )
    assert not sentence_hit("Western diplomatic efforts should therefore focus on China.", ("carrots and sticks",))
    assert not sentence_hit(None, ("anything",))


def test_evaluation_on_the_shipped_index(shipped_index, encoder, questions):
    engine = Engine.load(shipped_index, encoders={"minilm": encoder})
    reports = {(r.method, r.split): r for r in evaluate(engine, questions, ("fused",))}
    assert reports[("fused", "all")].n_answerable + reports[("fused", "all")].n_out_of_scope == len(questions)
    # The gate of the answering issue, on the first set (tune + held-out halves).
    first = {(r.method, r.split): r for r in evaluate(engine, [q for q in questions if q.split in ("tune", "heldout")], ("fused",))}
    everything = first[("fused", "all")]
    assert everything.top3 >= 0.95, everything.failures
    assert everything.top1 >= 0.80 and everything.sentence >= 0.75
    assert everything.refused <= 1 and everything.abstained_out_of_scope >= 18
    held = reports[("fused", "heldout")]
    assert held.n_answerable + held.n_out_of_scope == sum(1 for q in questions if q.split == "heldout")
    # The blind sets are harder; guard against regressions from today's figures. (Abstention was calibrated
    # on tune + held-out + blind; blind2 has never been tuned on.)
    blind = reports[("fused", "blind")]
    assert blind.top3 >= 0.80 and blind.top1 >= 0.60, blind.failures
    assert blind.abstained_out_of_scope >= 10 and blind.refused <= 1, blind.failures
    blind2 = reports[("fused", "blind2")]
    assert blind2.top3 >= 0.75 and blind2.top1 >= 0.54, blind2.failures
    assert blind2.abstained_out_of_scope >= 6 and blind2.refused <= 3, blind2.failures


def test_evaluate_cli_gates_and_prints_json(shipped_index, encoder, monkeypatch, capsys, tmp_path):
    engine = Engine.load(shipped_index, encoders={"minilm": encoder})
    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))
    rows = [
        {"id": "t1", "question": "Which drone company stopped selling to Russia?", "gold": ["DJI halted all sales"], "split": "tune"},
        {"id": "h1", "question": "Who is the Kremlin spokesperson quoted in the text?", "gold": ["Dmitry Peskov"], "split": "heldout"},
        {"id": "h2", "question": "What is the capital of France?", "gold": [], "split": "heldout", "out_of_scope": True},
    ]
    small = tmp_path / "q.jsonl"
    small.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert evaluate_main(["--index", str(shipped_index), "--questions", str(small), "--min-top3", "1.0", "--max-refused", "0"]) == 0
    out = capsys.readouterr().out
    assert "fused       heldout            1 1.000 1.000 1.000 1.000 1.000     0   1/1" in out and "Failures (fused, all): 0" in out
    argv = ["--index", str(shipped_index), "--questions", str(small), "--split", "heldout", "--min-top1", "1.01", "--json"]
    assert evaluate_main(argv) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert [r["split"] for r in doc["reports"]] == ["tune", "heldout", "all", "in-sample"]  # tune, heldout: the profile's
    assert doc["in_sample_note"].startswith("This version was tuned on all 3 of these questions, so its scores on them are optimistic")
    assert "top1" in captured.err


def test_calibration_rule_turns_away_the_most_out_of_scope_within_the_refusal_budget():
    from evaluate.calibrate import Choice, choose
    from qa.abstain import Evidence

    answerable = [Evidence(0.5, 0.5), Evidence(0.6, 0.2), Evidence(0.7, 0.4)]
    out_of_scope = [Evidence(0.3, 0.1), Evidence(0.55, 0.0), Evidence(0.9, 0.9, ("Finland",))]
    rows = [(ev, False) for ev in answerable] + [(ev, True) for ev in out_of_scope]
    # Weight 0: threshold 0.49 turns away 2; weight 1: scores 0.8 / 1.0 / 1.1, threshold 0.79 turns away 3.
    assert choose(rows, weights=(0.0, 1.0)) == Choice(1.0, 0.79, 3, 3, 0, 3, 0.01)
    # With 50 answerable questions one may be refused: the threshold moves above the lowest.
    many = [(Evidence(0.5 + i / 100, 0.0), False) for i in range(50)] + [(Evidence(0.503, 0.0), True)]
    assert choose(many, weights=(0.0,)) == Choice(0.0, 0.505, 1, 1, 1, 50, 0.005)


def test_gold_copied_across_line_breaks_still_matches(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "x1", "question": "Who wrote it?", "gold": ["Margarete\nKlein\n"], "split": "t"}) + "\n")
    (q,) = load_questions(path)
    assert q.gold == ("Margarete Klein",)
    assert sentence_hit("By Margarete  Klein, head of division", q.gold)
    assert not sentence_hit("By Margarete Kleinert", ("Margarete Klein ",))


def test_a_broken_line_names_its_file_and_line(tmp_path):
    from core.errors import BadInput
    from evaluate.claims import load_claims

    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "x1", "question": "Q?", "gold": ["g"]}\n\n{"id": "x2", \n')
    with pytest.raises(BadInput, match=r"q.jsonl:3: not valid JSON"):
        load_questions(path)
    path.write_text('["not", "an", "object"]\n')
    with pytest.raises(BadInput, match=r"q.jsonl:1: each line must be one JSON object"):
        load_claims(path)
