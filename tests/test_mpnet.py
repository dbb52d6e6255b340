"""The shipped default, for real: an index with MiniLM and mpnet, both queried through their checked ONNX exports."""

from __future__ import annotations

import pytest

from core import layout
from core.profile import DEFAULT
from ingest.build import run_ingest
from qa.engine import Engine


@pytest.fixture(scope="module")
def both_index(tmp_path_factory, seed_corpus_module, minilm_by_default):
    index = tmp_path_factory.mktemp("both") / "index"
    report = run_ingest(seed_corpus_module, index, models=minilm_by_default, progress=False)
    assert report.exit_code == 0 and report.models == ["minilm", "mpnet"], report.message
    return index


@pytest.fixture(scope="module")
def seed_corpus_module(tmp_path_factory):
    import shutil

    from tests.conftest import SEED

    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED, corpus / SEED.name)
    return corpus


def test_default_index_holds_both_models_with_onnx_queries(both_index, minilm_by_default):
    assert minilm_by_default == ("minilm", "mpnet")
    m = layout.read_manifest(layout.resolve(both_index))
    assert list(m["models"]) == ["minilm", "mpnet"]
    mp = m["models"]["mpnet"]
    assert mp["spec"]["dimension"] == 768 and mp["spec"]["token_type_ids"] is False and mp["spec"]["window"] == 384
    assert mp["query_encoder"]["backend"] == "onnx" and mp["query_encoder"]["max_abs_diff"] < 1e-4
    engine = Engine.load(both_index)
    assert engine.weights == {"minilm": 0.25, "mpnet": 1.0} and [e.backend for e in engine.encoders.values()] == ["onnx", "onnx"]
    entry = DEFAULT.abstain["mpnet"]  # fitted by `python -m learn` on the development myths (core/learned.json)
    assert engine.abstention == ("mpnet", entry["lexical_weight"], entry["threshold"])
    a = engine.ask("Is China supplying Russia with weapons for the war?")
    assert a.sentences[0].text.startswith("There is no evidence that China is helping Russia to replace the hardware")
    assert not engine.ask("What is China's annual defence budget?").answered


def test_index_without_mpnet_answers_as_before(both_index, tmp_path):
    """As an index published before mpnet: MiniLM alone, at weight 1, with a notice."""
    engine = Engine.load(both_index, models=("minilm",))
    assert engine.weights == {"minilm": 1.0}
    assert engine.notices == ("The settings weight model mpnet, which this index cannot use here; answering with minilm.",)
    assert engine.ask("Who promotes the myth?").answered
