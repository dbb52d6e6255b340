"""One index, many models: a second spec registered in a test builds, loads and answers; ids and profiles persist."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from core import layout, spec
from core.artifacts import IndexFormatError, load_index
from core.model import sha256_file
from core.profile import DEFAULT, ProfileError, Settings, read_profile
from core.spec import hash_spec
from ingest.build import run_ingest
from qa.engine import Engine
from qa.trace import STAGES, Trace
from tests.conftest import HASH, ROOT

EXTRA = "Myth 2: ‘A second myth’\nJane\nDoe\nSome Institute\nA standfirst.\nWhat is the myth?\nThe claim about tanks.\n"


@pytest.fixture
def tiny():
    """A second, smaller hash spec: the 'one more model' of the issue, registered for this test only."""
    s = spec.register(hash_spec("tiny", 16))
    yield s
    spec.unregister("tiny")


def test_two_models_build_load_and_answer(seed_corpus, tmp_path, tiny):
    index = tmp_path / "index"
    report = run_ingest(seed_corpus, index, models=(HASH, "tiny"), progress=False)
    assert report.exit_code == 0 and report.models == [HASH, "tiny"]
    version = layout.resolve(index)
    m = layout.read_manifest(version)
    assert list(m["models"]) == [HASH, "tiny"] and m["models"]["tiny"]["spec"] == tiny.entry()
    assert m["models"]["tiny"]["query_encoder"] == {"backend": "hash"}
    assert f"{layout.MODELS}/tiny/{layout.SENTENCE_VECTORS}" in m["artifacts"]
    data = load_index(index)
    assert data.models["tiny"].sentence.shape == (79, 16) and data.models[HASH].sentence.shape == (79, 64)
    both = Engine.load(index, settings=Settings(model_weights={HASH: 1.0, "tiny": 0.5}))
    assert both.weights == {HASH: 1.0, "tiny": 0.5}
    alone = Engine.load(index, settings=Settings(model_weights={HASH: 1.0}))
    q = "Who promotes the idea of an alliance?"
    a, b = both.ask(q), alone.ask(q)
    assert a.passages and b.passages and a.passages != b.passages  # the second model's cosines change the scores
    only_tiny = Engine.load(index, models=("tiny",))
    assert list(only_tiny.index.models) == ["tiny"] and only_tiny.ask(q).passages


def test_adding_a_model_embeds_only_for_it_and_reuses_the_rest(seed_corpus, tmp_path, tiny):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, models=(HASH,), progress=False)
    before = load_index(index)
    report = run_ingest(seed_corpus, index, models=(HASH, "tiny"), progress=False)
    after = load_index(index)
    assert report.published and report.embedded == 30
    assert np.array_equal(after.models[HASH].chunk, before.models[HASH].chunk)
    assert run_ingest(seed_corpus, index, progress=False).message == "Index is up to date; nothing to do."  # keeps both models


def test_index_without_a_model_known_here_still_answers_with_a_notice(seed_corpus, tmp_path, tiny):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, models=(HASH, "tiny"), progress=False)
    spec.unregister("tiny")
    engine = Engine.load(index)
    assert list(engine.index.models) == [HASH]
    assert engine.notices == ("model “tiny” is not known here",)
    assert engine.ask("Who promotes the myth?").passages


def test_passage_ids_survive_a_rebuild_with_other_paragraphs_changed(seed_corpus, tmp_path):
    index = tmp_path / "index"
    (seed_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    run_ingest(seed_corpus, index, models=(HASH,), progress=False)
    first = Engine.load(index)
    seed_uids = [c.uid for c in first.index.chunks if c.source != "extra.txt"]
    assert len(set(c.uid for c in first.index.chunks)) == len(first.index.chunks)
    (seed_corpus / "extra.txt").write_text(EXTRA.replace("tanks", "ships") + "Why is it wrong?\nNew paragraph.\n", encoding="utf-8")
    run_ingest(seed_corpus, index, full=True, progress=False)
    second = Engine.load(index)
    assert [c.uid for c in second.index.chunks if c.source != "extra.txt"] == seed_uids
    for uid in seed_uids:
        assert second.passage(uid).text == first.passage(uid).text
    old_extra = next(c.uid for c in first.index.chunks if "tanks" in c.text)
    assert second.passage(old_extra) is None  # that passage's text is gone


def test_profile_is_recorded_and_applied_without_code_edits(seed_corpus, tmp_path):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, models=(HASH,), progress=False)
    assert Engine.load(index).settings == DEFAULT  # the program's defaults, with what `python -m learn` fitted
    profile = Settings(name="strict", abstain={HASH: {"lexical_weight": 0.0, "threshold": 5.0}})
    (tmp_path / "p.json").write_text(json.dumps(profile.to_json()), encoding="utf-8")
    report = run_ingest(seed_corpus, index, profile=read_profile(tmp_path / "p.json"), progress=False)
    assert report.published and report.embedded == 0  # a new profile reuses every vector
    engine = Engine.load(index)
    assert engine.settings.name == "strict" and engine.abstention == (HASH, 0.0, 5.0)
    assert not engine.ask("Who promotes the myth?").answered  # threshold 5 refuses everything
    assert run_ingest(seed_corpus, index, progress=False).message == "Index is up to date; nothing to do."  # profile kept


def test_bad_profiles_are_clear_errors(tmp_path):
    with pytest.raises(ProfileError, match="unknown settings w_nope"):
        Settings.from_json({"w_nope": 1})
    with pytest.raises(ProfileError, match="setting w_title must be like -1.0, not 'x'"):
        Settings.from_json({"w_title": "x"})
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ProfileError, match="cannot read the settings profile"):
        read_profile(tmp_path / "bad.json")
    out = subprocess.run(
        [sys.executable, "-m", "ingest", "--profile", str(tmp_path / "bad.json"), "--index", str(tmp_path / "i")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and out.stderr.startswith("error: cannot read the settings profile") and "Traceback" not in out.stderr


def test_old_format_index_gets_the_rebuild_message(hash_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(hash_index, copy)
    path = layout.resolve(copy) / layout.MANIFEST
    m = json.loads(path.read_text())
    m["format_version"] = 2
    path.write_text(json.dumps(m))
    with pytest.raises(
        IndexFormatError, match=rf"format version 2, this program reads version {layout.FORMAT_VERSION}: re-run `python -m ingest --full`"
    ):
        Engine.load(copy)


def test_vectors_of_the_wrong_shape_are_refused(hash_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(hash_index, copy)
    version = layout.resolve(copy)
    np.save(layout.model_path(version, HASH) / layout.PASSAGE_VECTORS, np.zeros((29, 64), dtype=np.float32))
    with pytest.raises(IndexFormatError, match=r"is damaged: models/hash/passage_vectors.npy is 7,552 bytes, the manifest says 7,808"):
        load_index(copy)  # the size recorded for every artifact tells first
    manifest = layout.read_manifest(version)
    rel = f"{layout.MODELS}/{HASH}/{layout.PASSAGE_VECTORS}"
    manifest["artifact_bytes"].pop(rel)
    manifest["artifacts"][rel] = sha256_file(version / rel)  # a consistent manifest: only the shape check can tell
    layout.write_json(version / layout.MANIFEST, manifest)
    with pytest.raises(IndexFormatError, match=r"passage vectors of model “hash” .* have shape \(29, 64\), not \(30, 64\)"):
        load_index(copy)


def test_stage_timing_is_an_explicit_hook(hash_index):
    engine = Engine.load(hash_index)
    trace = Trace()
    plain = engine.ask("Why is the alliance idea wrong?")
    traced = engine.ask("Why is the alliance idea wrong?", trace=trace)
    assert plain == traced
    assert set(trace.seconds) == set(STAGES) and all(v >= 0 for v in trace.seconds.values())


def test_model_weights_rescale_only_when_a_weighted_model_is_missing():
    from qa.loader import model_weights

    both = {"minilm": 0.25, "mpnet": 1.0}
    assert model_weights(both, ("minilm", "mpnet")) == both
    assert model_weights(both, ("minilm",)) == {"minilm": 1.0}  # an index built before the second model: as before
    assert model_weights(both, ("mpnet", "minilm")) == {"mpnet": 1.0, "minilm": 0.25}
    assert model_weights({"minilm": 1.0}, ("hash",)) == {"hash": 1.0}
    assert model_weights({"a": 1.0, "b": 1.0, "c": 2.0}, ("a", "b")) == {"a": 0.5, "b": 0.5}


def test_profile_json_keeps_the_order_of_abstention_entries():
    s = Settings(abstain={"b": {"lexical_weight": 1.0, "threshold": 0.5}, "a": {"lexical_weight": 0.0, "threshold": 0.2}})
    text = json.dumps(s.to_json(), sort_keys=True)  # manifests are written with sorted keys
    back = Settings.from_json(json.loads(text))
    assert back == s and back.abstention(("a", "b")) == ("b", 1.0, 0.5)
    with pytest.raises(ProfileError, match="setting abstain must list"):
        Settings.from_json({"abstain": [{"threshold": 1}]})
