"""Behaviour of the benchmark helpers: the corpus generator, the stand-in encoder, the dense stores, and the bench scripts
over the multi-model index (stage timing through qa.trace, per-model vectors and stores)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.corpus import generate
from bench.standin import MixtureEncoder
from core.dense import FLAT, HNSW, IVF, DenseStore


def _chunk_count(corpus, tokenizer) -> tuple[int, set]:
    from ingest.chunk import chunk_document
    from ingest.load import Limits, discover, read_document
    from ingest.structure import parse

    total, missing = 0, set()
    for sf in discover(corpus, Limits()):
        doc = read_document(sf, Limits())
        blocks, myths = parse(doc)
        total += len(chunk_document(doc, blocks, tokenizer))
        missing |= {s for m in myths for s in m.missing_sections}
    return total, missing


def test_generator_makes_exactly_the_requested_chunks_in_the_myth_template(tmp_path, tokenizer):
    corpus = generate(tmp_path / "c", 97, seed=3)
    assert _chunk_count(corpus, tokenizer) == (97, set())
    names = sorted(p.name for p in corpus.rglob("*.txt"))
    assert names == ["myth-10-russia-and-china-joining-forces.txt", "myth-1000.txt", "myth-1001.txt", "myth-1002.txt"]


def test_generator_is_deterministic_per_seed(tmp_path):
    a, b, c = (generate(tmp_path / n, 70, seed=s) for n, s in (("a", 1), ("b", 1), ("c", 2)))
    read = lambda d: {p.relative_to(d): p.read_text(encoding="utf-8") for p in d.rglob("*.txt")}  # noqa: E731
    assert read(a) == read(b)
    assert read(a) != read(c)


def test_standin_encoder_is_deterministic_and_normalised():
    pool = np.random.default_rng(0).normal(size=(50, 16)).astype(np.float32)
    enc = MixtureEncoder(pool)
    both = enc.encode(["alpha", "beta"])
    assert np.array_equal(both[1], enc.encode(["beta"])[0])
    assert np.allclose(np.linalg.norm(both, axis=1), 1.0, atol=1e-5)
    assert enc.get_embedding_dimension() == 16


@pytest.mark.parametrize("kind, top", [(HNSW, 5), (IVF, 1)])
def test_approximate_stores_return_the_flat_ids_and_survive_save_and_load(tmp_path, kind, top):
    x = np.random.default_rng(1).normal(size=(500, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    flat, store = DenseStore.create(32, 500, kind=FLAT), DenseStore.create(32, 500, kind=kind)
    flat.add(x)
    store.add(x)
    store.save(tmp_path / "s.faiss")
    loaded = DenseStore.load(tmp_path / "s.faiss")
    assert (loaded.kind, len(loaded), loaded.describe()) == (kind, 500, store.describe())
    assert np.array_equal(loaded.search(x[:20], top)[1], flat.search(x[:20], top)[1])
    assert np.array_equal(loaded.search(x[:3], 500)[1], flat.search(x[:3], 500)[1])  # a full ranking is exact


def test_store_kind_is_chosen_by_size():
    from core.dense import HNSW_MIN_VECTORS

    assert DenseStore.create(8, HNSW_MIN_VECTORS - 1).kind == FLAT
    assert DenseStore.create(8, HNSW_MIN_VECTORS).kind == HNSW
    assert DenseStore(8).kind == FLAT


@pytest.fixture(scope="module")
def stored_index(tmp_path_factory, hash_model):
    """A hash-embedded 120-chunk index with the large-index stores forced on (HNSW chunks, IVF sentence candidates)."""
    from core import dense
    from ingest.build import run_ingest

    work = tmp_path_factory.mktemp("bench-stores")
    corpus, index = generate(work / "corpus", 120, seed=0), work / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dense, "HNSW_MIN_VECTORS", 0)
        mp.setattr(dense, "SENTENCE_STORE_MIN_VECTORS", 0)
        report = run_ingest(corpus, index, models=(hash_model.key,), progress=False)
    assert report.exit_code == 0, report.message
    return index


def test_serve_reports_every_stage_from_the_engine_trace(stored_index):
    from bench.serve import STAGES, measure
    from qa.trace import STAGES as ENGINE_STAGES

    res = measure(stored_index, rounds=1, max_questions=4, threads=(1, 2))
    assert (res["chunks"], res["dense_kind"], res["sentence_store"], res["query_encoder"]) == (120, HNSW, IVF, "hash")
    lat = res["latency_ms"]
    assert lat["n"] == 4 and tuple(lat["stages"]) == STAGES == (*ENGINE_STAGES, "other")
    assert all(lat["stages"][s]["p95"] > 0 for s in ENGINE_STAGES)  # each stage was timed by the engine's own hook
    assert [res["concurrency"][n]["identical"] for n in ("1", "2")] == [True, True]
    cand = res["candidates"]  # sentence-store candidates against exact scoring of every chunk
    assert cand["n"] == 4 and all(0.0 <= cand[k] <= 1.0 for k in ("top1_equal", "top1_in_exact_top5", "top5_overlap", "answer_equal"))


def test_candidate_agreement_needs_a_sentence_store(hash_index):
    from bench.serve import candidate_agreement, questions
    from qa.engine import Engine

    assert candidate_agreement(Engine.load(hash_index), questions(2)) is None


def test_sentence_store_bench_sweeps_the_primary_models_ivf(stored_index):
    from bench.sentence_store import K, measure

    res = measure(stored_index, max_questions=3)
    assert (res["questions"], res["k"], res["ivf"]["kind"]) == (3, K, IVF)
    assert res["sentences"] > 120 and len(res["ivf_sweep"]) == 3
    assert all(0.0 <= row["recall"] <= 1.0 and 0.0 <= row["recall_at_10"] <= 1.0 for row in res["ivf_sweep"])


def test_run_reads_one_models_vectors_and_store(stored_index, hash_model):
    from bench.run import _model_folder, _vectors
    from core.layout import CHUNK_FAISS

    vectors = _vectors(stored_index, hash_model.key)
    assert vectors["chunk"].shape == vectors["passage"].shape == (120, hash_model.dimension)
    assert DenseStore.load(_model_folder(stored_index, hash_model.key) / CHUNK_FAISS).kind == HNSW


def test_standin_build_runs_the_real_pipeline_with_the_standin_as_minilm(tmp_path, model_dir):
    from bench.ingestion import standin_build, texts_of
    from core.artifacts import read_model_vectors
    from core.layout import model_path, resolve
    from core.spec import MINILM

    pool = np.random.default_rng(0).normal(size=(50, MINILM.dimension)).astype(np.float32)
    fig = standin_build(tmp_path, 40, pool, texts_per_s=100.0)
    assert (fig.chunks, fig.measured, fig.encode_s) == (40, False, pytest.approx(fig.texts / 100.0))
    assert fig.texts == len(texts_of(fig.index_dir)) and fig.disk_bytes > 0
    vectors = read_model_vectors(model_path(resolve(fig.index_dir), MINILM.key))
    assert vectors["chunk"].shape == (40, MINILM.dimension)


def test_encoder_speed_runs_the_engines_query_path(encoder, model_dir):
    from bench.encoders import speed

    res = speed({"pytorch": encoder}, model_dir, ["Who promotes this myth?"], ["A short text.", "Another one."], rounds=1)
    assert set(res["pytorch"]) == {"query_p50_ms", "query_p95_ms", "bulk_texts_per_s"} and res["pytorch"]["query_p50_ms"] > 0


def test_models_compare_weights_each_model_alone_then_all():
    from bench.models_compare import weightings

    assert weightings(["minilm", "mpnet"]) == [{"minilm": 1.0}, {"mpnet": 1.0}, {"minilm": 1.0, "mpnet": 1.0}]
    assert weightings(["minilm"]) == [{"minilm": 1.0}]


def test_answers_prints_every_answer_once_with_follow_ups_asked_after_their_question(hash_index, tmp_path, capsys):
    import json

    from bench.answers import main

    questions = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "Who wrote the text?"}, {"id": "b", "question": "And why?", "follows": "a"}]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["--index", str(hash_index), str(questions)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["file"], r["id"]) for r in out] == [("q.jsonl", "a"), ("q.jsonl", "b")]
    assert out[0]["answer"]["question"] == "Who wrote the text?" and "status" in out[1]["answer"]
    assert main(["--index", str(hash_index), str(questions)]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == out  # the same answers every run


def test_cold_cli_times_each_run_of_the_command_and_says_the_load(shipped_index, capsys):
    from bench.cold_cli import main

    assert main(["--index", str(shipped_index), "--runs", "2"]) == 0
    runs, median = capsys.readouterr().out.splitlines()
    assert runs.startswith("runs: ") and len(runs.split()) == 4 and runs.endswith(" s")
    assert median.startswith("median: ") and "load average" in median
