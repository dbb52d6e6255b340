"""Fine-tune a sentence-transformers model's query side against the index's stored sentence vectors.

The document side stays as built (no re-embedding, the index is untouched): every corpus sentence is a
candidate, so each question is trained against all the others as hard negatives. sentence-transformers'
losses train both sides from text pairs; this loop is the small part they do not cover (fixed targets).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

import numpy as np

from learn.tune.pairs import Pair


@dataclass(frozen=True)
class TuneSettings:
    """Training knobs; the values are the ones cross-validated in eval/README.md ("Learning from evaluators")."""

    epochs: int = 3  # 230 pairs: more epochs fit the training splits and lose on the held-out one
    batch_size: int = 16
    learning_rate: float = 2e-5  # the usual sentence-transformers fine-tuning rate for a base-size model
    scale: float = 20.0  # cosine → logit, as MultipleNegativesRankingLoss
    seed: int = 13

    def to_json(self) -> dict:
        return asdict(self)


def tune_query_side(model, pairs: list[Pair], sentence_vectors: np.ndarray, settings: TuneSettings = TuneSettings()):
    """Train ``model`` (a SentenceTransformer, changed in place) so each question lands near its gold sentences.

    Args:
        model: the model whose document vectors ``sentence_vectors`` are (a fresh copy: it is modified).
        pairs: questions with the ids of the sentences that answer them.
        sentence_vectors: the index's stored sentence vectors of this model, L2-normalised, in sentence-id order.
        settings: epochs, batch size, learning rate, scale and seed.

    Returns:
        The same model, in eval mode, and the mean loss of each epoch.
    """
    import torch

    if not pairs:
        raise ValueError("no training pairs: give answerable questions whose gold snippets the corpus holds")
    torch.manual_seed(settings.seed)
    order = random.Random(settings.seed)
    targets = torch.from_numpy(np.ascontiguousarray(sentence_vectors, dtype=np.float32))
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    model.train()
    losses = []
    for _ in range(settings.epochs):
        batch_order = list(range(len(pairs)))
        order.shuffle(batch_order)
        total = 0.0
        for start in range(0, len(batch_order), settings.batch_size):
            batch = [pairs[i] for i in batch_order[start : start + settings.batch_size]]
            features = _features(model, [p.question for p in batch])
            queries = torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)
            logits = settings.scale * queries @ targets.T
            gold = torch.full_like(logits, float("-inf"))
            for row, p in enumerate(batch):
                gold[row, list(p.sentences)] = 0.0
            # several sentences may answer one question: maximise the probability of the gold set as a whole
            loss = (torch.logsumexp(logits, dim=1) - torch.logsumexp(logits + gold, dim=1)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        losses.append(total / len(pairs))
    model.eval()
    return model, losses


def _features(model, texts: list[str]) -> dict:
    # sentence-transformers renamed tokenize to preprocess; take whichever this pinned version has
    return (model.preprocess if hasattr(model, "preprocess") else model.tokenize)(texts)
