"""Learning from evaluators: pairs from gold snippets, query-side tuning that learns, saved models verified on load."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.artifacts import load_index, sentence_texts
from core.errors import BadInput
from evaluate.run import Question
from learn.tune import saved
from learn.tune.cross import tune_and_save
from learn.tune.pairs import pairs
from learn.tune.train import TuneSettings, tune_query_side

TEXTS = ["Russia and China held joint exercises.", "The author is Margarete Klein.", "China has not sent weapons to Russia."]


def _q(id_, question, gold, split="tune", **kw):
    return Question(id_, question, tuple(gold), split, "paraphrase", kw.get("oos", False), kw.get("follows"))


def test_pairs_hold_every_sentence_with_the_gold_and_skip_what_cannot_teach():
    questions = [
        _q("a", "Who wrote it?", ["Margarete Klein"]),
        _q("b", "Is China arming Russia?", ["not sent weapons", "joint exercises"], split="blind"),
        _q("c", "Capital of France?", [], oos=True),
        _q("d", "Why?", ["joint exercises"], follows="b"),
        _q("e", "What about India?", ["India"]),  # no sentence holds it
    ]
    got = pairs(questions, TEXTS)
    want = [("Who wrote it?", (1,), "tune"), ("Is China arming Russia?", (0, 2), "blind")]
    assert [(p.question, p.sentences, p.split) for p in got] == want


@pytest.fixture(scope="module")
def index_data(shipped_index):
    return load_index(shipped_index)


def test_tuning_the_query_side_moves_questions_to_their_gold(index_data, encoder):
    import copy

    texts = sentence_texts(index_data.chunks)
    vectors = np.asarray(index_data.models["minilm"].sentence, dtype=np.float32)
    questions = [
        _q("1", "which firm halted drone sales", ["DJI"]),
        _q("2", "did beijing give moscow guns", ["no evidence that China is helping Russia"]),
        _q("3", "when was the no limits statement", ["4 February 2022"]),
    ]
    train = pairs(questions, texts)
    assert len(train) == 3

    def gold_rank(model):
        q = model.encode([p.question for p in train], normalize_embeddings=True)
        order = np.argsort(-(q @ vectors.T), axis=1)
        return [int(min(np.where(np.isin(order[i], p.sentences))[0])) for i, p in enumerate(train)]

    before = gold_rank(encoder)
    tuned, losses = tune_query_side(copy.deepcopy(encoder), train, vectors, TuneSettings(epochs=4, batch_size=3, learning_rate=1e-4))
    after = gold_rank(tuned)
    assert losses[-1] < losses[0]
    assert all(a <= b for a, b in zip(after, before, strict=True)) and sum(after) < sum(before), (before, after)
    assert gold_rank(encoder) == before  # the model given is a copy: the session's encoder is untouched


def test_saved_model_is_verified_and_never_overwritten(shipped_index, tmp_path):
    folder = tmp_path / "tuned"
    questions = [_q("1", "which firm halted drone sales", ["DJI"])]
    record = tune_and_save(shipped_index, questions, "minilm", TuneSettings(epochs=1), folder)
    assert record["base"]["key"] == "minilm" and record["pairs"] == 1 and record["side"] == "query"
    assert "model.safetensors" in record["files"]
    model, again = saved.load(folder)
    assert again["files"] == record["files"] and model.encode(["x"]).shape == (1, 384)
    with pytest.raises(BadInput, match="never overwritten"):
        tune_and_save(shipped_index, questions, "minilm", TuneSettings(epochs=1), folder)
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="missing or altered"):
        saved.load(folder)
    with pytest.raises(BadInput, match="not a saved tuned model"):
        saved.load(tmp_path)


def test_publish_a_tuned_query_encoder_then_nothing_to_do_and_ingest_keeps_it(shipped_index, tmp_path, encoder):
    import shutil

    from core import layout
    from ingest.build import run_ingest
    from learn.tune.publish import published_record, tune_and_publish
    from qa.engine import Engine
    from tests.conftest import CORPUS

    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    before = layout.current_version(index)
    questions = [_q("1", "which firm halted drone sales", ["DJI"]), _q("2", "who wrote it", ["Margarete"])]
    said = tune_and_publish(index, questions, "minilm", TuneSettings(epochs=1), log=lambda m: None, anyway=True)
    first = f"Published index version {layout.current_version(index)} with the minilm query encoder tuned on 2 pairs."
    assert said.splitlines()[0] == first
    assert said.splitlines()[1].startswith("No question is left that neither version was tuned on")  # judged, even the first
    assert said.splitlines()[-1] == "Published anyway (--publish-anyway), although it could not be compared."
    assert layout.current_version(index) != before
    record = published_record(index, "minilm")
    assert record["pairs"] == 2 and record["side"] == "query" and len(record["pairs_sha256"]) == 64
    engine = Engine.load(index)
    assert engine.encoders["minilm"].backend == "onnx" and not any("tuned" in n for n in engine.notices)
    assert engine.ask("Which drone company stopped selling to Russia?").answered
    again = tune_and_publish(index, questions, "minilm", TuneSettings(epochs=1), log=lambda m: None, anyway=True)
    assert again == "The published query encoder of minilm is already tuned on these 2 pairs; nothing to do."
    tuned_sha = layout.read_manifest(layout.resolve(index))["models"]["minilm"]["query_encoder"]["sha256"]
    (tmp_path / "corpus").mkdir()
    shutil.copy(CORPUS / "myth-10-russia-and-china-joining-forces.txt", tmp_path / "corpus")
    run_ingest(tmp_path / "corpus", index, progress=False, encoders={"minilm": encoder})  # the corpus changed: sources.toml
    entry = layout.read_manifest(layout.resolve(index))["models"]["minilm"]["query_encoder"]
    assert entry["sha256"] == tuned_sha and entry["tuned"]["pairs"] == 2  # a re-ingest keeps the tuned encoder


def test_tuning_questions_are_checked_before_anything_loads(tmp_path, capsys):
    """Each bad row is named by file and line, the run exits 2 and nothing is published (no index is even opened)."""
    from learn.tune.__main__ import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"question": "Who?", "gold": ["a snippet of four words"]}\n'  # no id
        '{"id": "g5", "question": "Who?", "gold": 5}\n'
        '{"id": "k", "question": "Who wrote it?", "gold": "Klein"}\n'  # a string, not a list
        '{"id": "e", "question": "Who?", "gold": [""]}\n'
        '{"id": "s", "question": "Who?", "gold": ["Klein"]}\n'  # too short to mean something
        '{"id": 7, "question": ["Who?"], "gold": ["a snippet of four words"], "split": 3}\n',
        encoding="utf-8",
    )
    missing = tmp_path / "no-index"
    assert main(["--publish", "--index", str(missing), "--questions", str(bad)]) == 2
    err = capsys.readouterr().err
    for line in (1, 2, 3, 4, 5, 6):
        assert f"{bad}:{line}: " in err
    assert "“Klein” is too short" in err and "“split” must be a string" in err and "Traceback" not in err
    assert not missing.exists()
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "1", "question": "Which firm halted drone sales?", "gold": ["halted all sales to Russia"]}\n' * 3)
    assert main(["--publish", "--index", str(missing), "--questions", str(good), "--max-questions", "2"]) == 2
    assert "over the limit of 2; raise it with --max-questions N" in capsys.readouterr().err


def test_the_shipped_question_set_passes_the_tuning_checks():
    from evaluate.run import QUESTIONS
    from learn.tune.checks import check_files

    assert check_files([QUESTIONS]) == 410


def test_a_full_rebuild_of_a_damaged_tuned_index_keeps_the_tuning_or_says_how_to_restore_it(shipped_index, tmp_path, encoder):
    import shutil

    from core import layout
    from ingest.build import run_ingest
    from learn.tune.publish import published_record, tune_and_publish
    from tests.conftest import CORPUS

    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    questions = [_q("1", "which firm halted drone sales", ["DJI"]), _q("2", "who wrote it", ["Margarete"])]
    tune_and_publish(index, questions, "minilm", TuneSettings(epochs=1), log=lambda m: None, anyway=True)
    version = layout.resolve(index)
    with open(version / layout.CHUNKS, "a", encoding="utf-8") as f:
        f.write("{}\n")  # damage elsewhere than the tuned encoder
    report = run_ingest(CORPUS, index, full=True, progress=False, encoders={"minilm": encoder})
    assert any("failed its check" in w for w in report.warnings)
    assert published_record(index, "minilm")["pairs"] == 2  # the intact tuned encoder was carried over
    assert not any("tune --publish" in w for w in report.warnings)
    onnx = layout.model_path(layout.resolve(index), "minilm") / layout.QUERY_ONNX
    onnx.unlink()  # the version's own link only: the cache and older versions keep theirs
    onnx.write_bytes(b"not an onnx model")
    report = run_ingest(CORPUS, index, full=True, progress=False, encoders={"minilm": encoder})
    assert published_record(index, "minilm") is None
    assert any("answers now use the base minilm query encoder" in w and "python -m learn.tune --publish" in w for w in report.warnings)


def test_evaluation_reports_what_the_index_learnt_from_apart(shipped_index, tmp_path):
    """The tuning record lists the trained question ids; evaluate reports those in-sample, the others unseen."""
    import shutil

    from evaluate.__main__ import sample_note
    from evaluate.run import evaluate, trained_on
    from learn.tune.publish import published_record, tune_and_publish
    from qa.engine import Engine

    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    trained = [_q("t1", "which firm halted drone sales", ["DJI halted all sales"]), _q("t2", "who wrote it", ["Margarete Klein"])]
    tune_and_publish(index, trained, "minilm", TuneSettings(epochs=1), log=lambda m: None, anyway=True)
    assert published_record(index, "minilm")["questions"] == ["t1", "t2"]
    engine = Engine.load(index)
    engine = type(engine)(engine.index, engine.encoders, replace(engine.settings, trained_splits=()), engine.notices)
    assert trained_on(engine) == (frozenset({"t1", "t2"}), frozenset())
    unseen = _q("u1", "Which company stopped selling drones to Russia?", ["DJI halted all sales"])
    reports = {r.split: r for r in evaluate(engine, [*trained, unseen])}
    assert (reports["in-sample"].n_answerable, reports["unseen"].n_answerable) == (2, 1)
    assert sample_note(engine, [*trained, unseen]) == (
        "This version was tuned on 2 of these 3 questions, so its scores on them are optimistic; "
        "the “unseen” row counts only the other 1, which it never learnt from."
    )
    assert sample_note(engine, [unseen]) == "This version never learnt from this question: every figure is a fair test of new questions."


def test_a_sealed_split_is_scored_once_on_the_record(hash_index, tmp_path, capsys):
    from evaluate.once import main, scorings

    sealed = tmp_path / "sealed.jsonl"
    sealed.write_text('{"id": "s1", "question": "Why is the myth wrong?", "gold": ["There is no evidence"], "split": "sealed"}\n')
    ledger = tmp_path / "scorings.jsonl"
    args = ["--questions", str(sealed), "--index", str(hash_index), "--ledger", str(ledger)]
    assert main(args) == 0 and [s["time"] for s in scorings(ledger)] == [1]
    assert main(args) == 1 and "was scored 1 time(s) already" in capsys.readouterr().err
    assert main([*args, "--again"]) == 0 and [s["time"] for s in scorings(ledger)] == [1, 2]
    assert scorings(ledger)[-1]["index_version"] and scorings(ledger)[-1]["split"] == "sealed"
