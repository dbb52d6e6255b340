"""The learning side: the development myths' manifest, the indexes they are scored on, and the listwise sentence ranker."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import BadInput
from learn import devset
from learn.fit import ranker
from qa.rank import score
from qa.sentence_features import FEATURES


def test_the_development_myths():
    dev = devset.read()
    assert dev.base == 10 and sorted(m.myth for m in dev.myths) == [3, 7, 10, 14, 21]
    assert devset.corpus_of(dev, 10) == [dev.get(10).text]  # the shipped text alone
    assert devset.corpus_of(dev, 21) == [dev.get(10).text, dev.get(21).text]  # a new myth beside it
    assert len(devset.corpus_of(dev, devset.ALL)) == 5


@pytest.mark.parametrize(
    "manifest, says",
    [
        ("not json", "cannot read the development myths"),
        ({"base": 10, "myths": [{"myth": 10, "text": "nowhere.txt", "questions": "eval/questions.jsonl"}]}, "missing: "),
        ({"base": 4, "myths": [{"myth": 10, "text": "eval/dev/myths.json", "questions": "eval/questions.jsonl"}]}, "base myth 4"),
    ],
)
def test_a_bad_manifest_says_what_is_wrong(tmp_path, manifest, says):
    path = tmp_path / "myths.json"
    path.write_text(manifest if isinstance(manifest, str) else json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BadInput, match=says):
        devset.read(path)


def test_the_ranker_learns_what_marks_the_gold_sentence():
    rng = np.random.default_rng(13)
    marked = FEATURES.index("author_q_x_wrong")
    rows = []
    for _ in range(40):  # per question: 6 candidates of noise, the gold one marked
        x = rng.normal(size=(6, len(FEATURES)))
        x[:, marked] = 0.0
        gold = rng.integers(6)
        x[gold, marked] = 1.0
        rows.append((x, np.arange(6) == gold))
    rows.append((rng.normal(size=(3, len(FEATURES))), np.zeros(3, dtype=bool)))  # no gold candidate: teaches nothing
    model = ranker(rows)
    assert model["author_q_x_wrong"] > 1.0 and set(model["mean"]) == set(FEATURES)
    assert all(y[np.argmax(score(model, x))] for x, y in rows[:-1])
