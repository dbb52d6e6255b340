"""Fit every learned and calibrated part of the profile from rows of the development myths (learn.rows)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.profile import Settings
from evaluate import answerability, calibrate
from evaluate import fit as fit_check
from qa.sentence_features import FEATURES

# The sentence ranker's L2 penalty. Leave one myth out over the five development myths (the first candidate right, mean of
# the five myths left out, no rules): 0.01 → 0.686, 0.1 → 0.682, 1 → 0.642; a logistic regression over single candidates
# 0.666–0.668 (C 0.01–1), LightGBM lambdarank 0.667–0.674, the fused similarity alone 0.624 (eval/README.md, round 7).
RANKER_L2 = 0.01


def ranker(rows: list[tuple[np.ndarray, np.ndarray]], l2: float = RANKER_L2) -> dict:
    """A linear sentence model fitted listwise: per question, a softmax over its candidates, maximising the probability of
    its gold sentences (scipy's L-BFGS; features standardised, their mean and scale stored with the weights, which
    qa.rank.score applies). Questions with no gold candidate teach nothing about choosing among candidates."""
    from scipy.optimize import minimize

    used = [(x, y) for x, y in rows if y.any()]
    allx = np.concatenate([x for x, _ in used])
    mean, scale = allx.mean(0), allx.std(0)
    scale[scale < 1e-9] = 1.0
    groups = [((x - mean) / scale, y) for x, y in used]

    def loss(w):
        total, grad = 0.0, np.zeros_like(w)
        for x, y in groups:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            gold = p[y].sum()
            total -= np.log(gold + 1e-12)
            grad -= (np.where(y, p, 0.0) / (gold + 1e-12) - p) @ x
        return total / len(groups) + l2 * (w @ w) / 2, grad / len(groups) + l2 * w

    w = minimize(loss, np.zeros(allx.shape[1]), jac=True, method="L-BFGS-B").x
    return {
        **{name: round(float(v), 6) for name, v in zip(FEATURES, w, strict=True)},
        "bias": 0.0,
        "mean": {name: round(float(v), 6) for name, v in zip(FEATURES, mean, strict=True)},
        "scale": {name: round(float(v), 6) for name, v in zip(FEATURES, scale, strict=True)},
    }


def profile(base: Settings, rows: list, key: str = "mpnet", name: str = "learned") -> Settings:
    """``base`` with its sentence model, answer model, abstention entry for ``key`` and fit check fitted on ``rows``
    (learn.rows.Rows of the training myths)."""
    settings = replace(base, name=name, sentence_model=ranker([r for m in rows for r in m.ranking]))
    choice = calibrate.choose([r for m in rows for r in m.evidence])
    settings = calibrate.calibrated_profile(settings, key, choice, name)
    answerable = sum(1 for m in rows for *_, ok in m.answer if ok)
    ratio = fit_check.choose([r for m in rows for r in m.fit], answerable)[0]
    return replace(settings, fit_relevance=ratio, answer_model=answerability.fit([r for m in rows for r in m.answer]))
