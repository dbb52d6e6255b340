"""Pure score-combination functions: normalisation, per-passage maxima, weighted sums, reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def ranks(scores: np.ndarray) -> np.ndarray:
    """0-based rank of every item (0 = best); ties keep index order so results are deterministic."""
    scores = np.asarray(scores, dtype=np.float64)
    out = np.empty(len(scores), dtype=np.int64)
    out[np.argsort(-scores, kind="stable")] = np.arange(len(scores))
    return out


def order(scores: np.ndarray) -> np.ndarray:
    """Item ids from best to worst; ties keep index order."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best finite-scored ids, best first, ties in index order — ``order(scores)[:k]`` without
    sorting everything (the difference matters at 100,000 chunks)."""
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(scores))
    if k <= 0 or not len(finite):
        return np.zeros(0, dtype=np.int64)
    if len(finite) > k:
        kth = np.partition(scores[finite], len(finite) - k)[len(finite) - k]
        finite = finite[scores[finite] >= kth]  # every id tied with the k-th best, so ties stay stable
    return finite[np.argsort(-scores[finite], kind="stable")][:k]


def rrf(score_lists: Sequence[np.ndarray], k: float = 60.0, weights: Sequence[float] | None = None) -> np.ndarray:
    """Reciprocal rank fusion (Cormack et al. 2009): sum of w / (k + rank + 1) over the rankings.

    Args:
        score_lists: one score array per ranking, all over the same items.
        k: the damping constant; 60 is the value from the paper.
        weights: optional weight per ranking (default 1 each).
    """
    if not score_lists:
        raise ValueError("rrf needs at least one ranking")
    weights = weights or [1.0] * len(score_lists)
    total = np.zeros(len(score_lists[0]), dtype=np.float64)
    for w, scores in zip(weights, score_lists, strict=True):
        total += w / (k + ranks(scores) + 1.0)
    return total


def scale_by(scores: np.ndarray, bound: float) -> np.ndarray:
    """Divide by a positive bound (e.g. the best score a query could reach); all zeros when bound <= 0."""
    scores = np.asarray(scores, dtype=np.float64)
    return scores / bound if bound > 0 else np.zeros_like(scores)


def group_max(values: np.ndarray, groups: np.ndarray, n_groups: int, empty: float = 0.0) -> np.ndarray:
    """Maximum of ``values`` within each group id (e.g. best sentence per passage); ``empty`` where none."""
    out = np.full(n_groups, -np.inf)
    np.maximum.at(out, np.asarray(groups, dtype=np.int64), np.asarray(values, dtype=np.float64))
    out[np.isneginf(out)] = empty
    return out


def weighted_sum(signals: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Sum of ``weights[name] * signals[name]`` over the weights given (names missing from signals fail)."""
    total = None
    for name, w in weights.items():
        if w == 0:
            continue
        part = w * np.asarray(signals[name], dtype=np.float64)
        total = part if total is None else total + part
    if total is None:
        return np.zeros(len(next(iter(signals.values()))), dtype=np.float64)
    return total
