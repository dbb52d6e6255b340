"""Fusion functions on small fixed inputs with exact expected results."""

import numpy as np
import pytest

from qa.fusion import group_max, order, ranks, rrf, scale_by, weighted_sum


def test_ranks_and_order_break_ties_by_index():
    s = np.array([0.2, 0.9, 0.2, 0.5])
    assert ranks(s).tolist() == [2, 0, 3, 1]
    assert order(s).tolist() == [1, 3, 0, 2]


def test_rrf_exact_values_and_ranking():
    dense = np.array([0.9, 0.1, 0.5])  # ranking 0, 2, 1
    lexical = np.array([2.0, 3.0, 1.0])  # ranking 1, 0, 2
    fused = rrf([dense, lexical], k=1)
    # 1 / (k + rank + 1) summed: item 0 = 1/2 + 1/3, item 1 = 1/4 + 1/2, item 2 = 1/3 + 1/4
    assert fused == pytest.approx([5 / 6, 3 / 4, 7 / 12])
    assert order(fused).tolist() == [0, 1, 2]


def test_rrf_weights_and_default_k():
    a, b = np.array([2.0, 1.0]), np.array([1.0, 2.0])
    assert rrf([a, b], weights=[2.0, 1.0]) == pytest.approx([2 / 61 + 1 / 62, 2 / 62 + 1 / 61])
    with pytest.raises(ValueError):
        rrf([])


def test_scale_by_bound():
    assert scale_by(np.array([1.0, 3.0]), 4.0).tolist() == [0.25, 0.75]
    assert scale_by(np.array([1.0, 3.0]), 0.0).tolist() == [0.0, 0.0]


def test_group_max_per_passage_with_empty_group():
    values = np.array([0.1, 0.7, 0.3, 0.4])
    groups = np.array([0, 0, 2, 2])
    assert group_max(values, groups, 4).tolist() == [0.7, 0.0, 0.4, 0.0]
    assert group_max(values, groups, 3, empty=-1.0).tolist() == [0.7, -1.0, 0.4]


def test_weighted_sum_skips_zero_weights_and_requires_known_signals():
    signals = {"a": np.array([1.0, 2.0]), "b": np.array([10.0, 0.0])}
    assert weighted_sum(signals, {"a": 0.5, "b": 0.1}).tolist() == [1.5, 1.0]
    assert weighted_sum(signals, {"a": 0.0, "missing": 0.0}).tolist() == [0.0, 0.0]
    with pytest.raises(KeyError):
        weighted_sum(signals, {"missing": 1.0})


def test_top_k_matches_a_full_stable_sort():
    from qa.fusion import order, top_k

    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=200).astype(float)  # many ties
    scores[rng.choice(200, 40, replace=False)] = -np.inf  # filtered out
    finite = [int(i) for i in order(scores) if np.isfinite(scores[i])]
    for k in (1, 5, 37, 160, 500):
        assert top_k(scores, k).tolist() == finite[:k]
    assert top_k(np.full(3, -np.inf), 2).tolist() == []
