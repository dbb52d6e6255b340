"""Behaviour of the benchmark helpers: the corpus generator, the stand-in encoder, and the HNSW dense store."""

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
