"""Fit every learned and calibrated part of the profile from rows of the development myths (learn.rows)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.profile import Settings
from qa.evaluate import answerability, calibrate
from qa.evaluate import fit as fit_check
from qa.sentence_features import FEATURES

# The sentence ranker's regularisation (sklearn's C, inverse strength), chosen leave-one-myth-out between 0.03 and 3.
RANKER_C = 0.1


def ranker(rows: list[tuple[np.ndarray, np.ndarray]], c: float = RANKER_C) -> dict:
    """A logistic sentence model: gold candidates against the others of their question, features standardised (the
    mean and scale are stored with the weights, qa.rank.score applies them). Questions with no gold candidate teach
    nothing about choosing among candidates and are left out."""
    from sklearn.linear_model import LogisticRegression

    used = [(x, y) for x, y in rows if y.any()]
    x = np.concatenate([x for x, _ in used])
    y = np.concatenate([y for _, y in used]).astype(int)
    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit((x - mean) / scale, y)
    return {
        **{name: round(float(w), 6) for name, w in zip(FEATURES, model.coef_[0], strict=True)},
        "bias": round(float(model.intercept_[0]), 6),
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
