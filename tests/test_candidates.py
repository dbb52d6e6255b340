"""Large indexes score retrieval candidates only: the scope arithmetic, the store written at ingest, same answers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core import dense, layout
from core.lexical import tokenize_query
from ingest.build import run_ingest
from qa import candidates
from qa.engine import Engine
from qa.retrieve import ChunkTable, lexical, scope_of

ROOT = Path(__file__).resolve().parent.parent
ROWS = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text().splitlines()]


def _table(counts):
    counts = np.asarray(counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    n = len(counts)
    return ChunkTable(np.array([""] * n, dtype=object), np.zeros(n, int), ("",), np.zeros(n, int), np.zeros(n), start, counts, None, None)


def test_scope_of_lists_each_chunks_sentences_in_order():
    scope = scope_of(_table([2, 0, 3, 1]), np.array([3, 0, 2, 3]))
    assert scope.chunks.tolist() == [0, 2, 3]
    assert scope.sentences.tolist() == [0, 1, 2, 3, 4, 5]
    assert scope.owner.tolist() == [0, 0, 1, 1, 1, 2]
    assert not scope.full
    empty = scope_of(_table([2, 1]), np.array([], dtype=np.int64))
    assert (empty.chunks.tolist(), empty.sentences.tolist()) == ([], [])


@pytest.fixture(scope="module")
def hnsw_index(tmp_path_factory, encoder):
    """The shipped corpus indexed as if it were large: an HNSW chunk store and an IVF sentence store."""
    old = dense.HNSW_MIN_VECTORS, dense.SENTENCE_STORE_MIN_VECTORS
    dense.HNSW_MIN_VECTORS = dense.SENTENCE_STORE_MIN_VECTORS = 1
    try:
        index = tmp_path_factory.mktemp("hnsw") / "index"
        assert run_ingest(ROOT / "corpus", index, progress=False, encoders={"minilm": encoder}).exit_code == 0
    finally:
        dense.HNSW_MIN_VECTORS, dense.SENTENCE_STORE_MIN_VECTORS = old
    return index


def test_large_index_gets_a_sentence_store(hnsw_index, shipped_index):
    big, small = layout.read_manifest(layout.resolve(hnsw_index)), layout.read_manifest(layout.resolve(shipped_index))
    big, small = big["models"]["minilm"], small["models"]["minilm"]
    assert big["sentence_dense"] == {"kind": dense.IVF, "count": 79, "nlist": 17, "nprobe": 4}
    assert big["dense"]["kind"] == dense.HNSW
    assert (layout.model_path(layout.resolve(hnsw_index), "minilm") / layout.SENTENCE_FAISS).exists()
    assert small["sentence_dense"] == {"kind": "numpy-exact", "count": 79}
    assert not (layout.model_path(layout.resolve(shipped_index), "minilm") / layout.SENTENCE_FAISS).exists()


def test_candidates_cover_a_small_index_so_answers_equal_exact(hnsw_index, shipped_index):
    approx, exact = Engine.load(hnsw_index), Engine.load(shipped_index)
    assert approx.index.primary.sentence_dense is not None and exact.index.primary.sentence_dense is None
    for row in ROWS:
        a, b = approx.ask(row["question"]), exact.ask(row["question"])
        assert (a.answered, [p.chunk_id for p in a.passages], [s.text for s in a.sentences]) == (
            b.answered,
            [p.chunk_id for p in b.passages],
            [s.text for s in b.sentences],
        ), row["question"]


def test_few_candidates_restrict_the_scored_chunks(hnsw_index, monkeypatch):
    engine = Engine.load(hnsw_index)
    monkeypatch.setattr(candidates, "DENSE_SENTENCES", 4)
    monkeypatch.setattr(candidates, "LEXICAL_CHUNKS", 2)
    monkeypatch.setattr(candidates, "LEXICAL_SENTENCES", 2)
    q = "Which drone company stopped selling to Russia?"
    lex = lexical(engine.index, engine.table, tokenize_query(q))
    chosen = candidates.candidate_chunks(engine.index, engine.index.primary, engine.encoder.embed(q), lex)
    assert 1 <= len(chosen) <= 8 < len(engine.index.chunks)
    answer = engine.ask(q, k=10)
    assert len(answer.passages) == len(chosen)  # only candidates are ranked
    assert {p.chunk_id for p in answer.passages} == set(chosen.tolist())
    assert "DJI halted all sales to Russia" in answer.sentences[0].text


def test_filters_leaving_few_chunks_are_scored_exactly(hnsw_index, monkeypatch):
    engine = Engine.load(hnsw_index)
    monkeypatch.setattr(candidates, "DENSE_SENTENCES", 1)
    monkeypatch.setattr(candidates, "LEXICAL_CHUNKS", 1)
    monkeypatch.setattr(candidates, "LEXICAL_SENTENCES", 1)
    answer = engine.ask("What should the West do?", k=50, section="What would good policy look like?")
    wanted = [c.id for c in engine.index.chunks if c.section == "What would good policy look like?"]
    assert sorted(p.chunk_id for p in answer.passages) == wanted  # every chunk of the section, not 1-2 candidates
    exact = Engine(replace(engine.index, models={"minilm": replace(engine.index.primary, sentence_dense=None)}), engine.encoders)
    assert answer == exact.ask("What should the West do?", k=50, section="What would good policy look like?")
