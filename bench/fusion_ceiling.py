"""How far can any weighting of the read path's signals go? Learned fusion, cross-validated across the question splits.

Each answerable question's 79 sentences get a feature vector (the signals `qa.retrieve` computes, their ranks,
and optionally late-chunked sentence vectors: a sentence's tokens pooled from a run over its whole paragraph).
A linear scorer is fitted with a softmax over the sentences (gold sentences as targets, L2-regularised, scipy
L-BFGS) on two splits and scored on the third, for every split. A passage scores its best sentence.

Usage: python -m bench.fusion_ceiling [--index DIR] [--questions FILE]  (prints one JSON object)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FEATURE_SETS = {
    "shipped signals": ("sent_dense", "sent_bm25", "passage_dense", "chunk_bm25", "intent", "title"),
    "+ ranks": ("sent_dense", "sent_bm25", "passage_dense", "chunk_bm25", "intent", "title", "r_sent_dense", "r_sent_bm25", "r_chunk_bm25"),
    "+ ranks + late chunking": (
        "sent_dense", "sent_bm25", "passage_dense", "chunk_bm25", "intent", "title",
        "r_sent_dense", "r_sent_bm25", "r_chunk_bm25", "late", "r_late",
    ),
}  # fmt: skip
L2 = (0.001, 0.01, 0.1)


def late_chunked(model, chunks) -> np.ndarray:
    """One vector per sentence: mean of its token states from one transformer pass over "section\\ntext"."""
    import torch

    tok, transformer, out = model.tokenizer, model[0].auto_model, []
    for c in chunks:
        prefix = f"{c.section}\n" if c.section else ""
        enc = tok(prefix + c.text, return_offsets_mapping=True, return_tensors="pt", truncation=True, max_length=512)
        offsets = enc.pop("offset_mapping")[0].numpy()
        with torch.inference_mode():
            states = transformer(**enc).last_hidden_state[0].numpy()
        for s in c.sentences:
            a, b = s.start - c.start + len(prefix), s.end - c.start + len(prefix)
            v = states[(offsets[:, 0] >= a) & (offsets[:, 1] <= b) & (offsets[:, 1] > offsets[:, 0])].mean(0)
            out.append(v / np.linalg.norm(v))
    return np.asarray(out)


def rank_feature(scores: np.ndarray, k: float = 10.0) -> np.ndarray:
    """k / (k + rank) per row: scale-free, like reciprocal rank fusion."""
    return k / (k + np.argsort(np.argsort(-scores, axis=1), axis=1))


def fit(x: np.ndarray, gold: np.ndarray, l2: float) -> np.ndarray:
    """Weights maximising the softmax probability mass of the gold sentences (x: questions x sentences x features)."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    def loss(w):
        s = x @ w
        return float(np.mean(logsumexp(s, axis=1) - logsumexp(np.where(gold, s, -1e9), axis=1)) + l2 * w @ w)

    return minimize(loss, np.zeros(x.shape[-1]), method="L-BFGS-B").x


def score(sent: np.ndarray, owner: np.ndarray, n_chunks: int, hits: np.ndarray, gold_sent: np.ndarray) -> dict:
    top1 = top3 = first = 0
    for i in range(len(sent)):
        passage = np.full(n_chunks, -np.inf)
        np.maximum.at(passage, owner, sent[i])
        rank = np.flatnonzero(hits[i][np.argsort(-passage, kind="stable")])
        r = rank[0] if len(rank) else n_chunks
        top1, top3, first = top1 + (r < 1), top3 + (r < 3), first + bool(gold_sent[i][np.argmax(sent[i])])
    n = max(len(sent), 1)
    return {"top1": round(top1 / n, 3), "top3": round(top3 / n, 3), "sentence": round(first / n, 3), "n": len(sent)}


def measure(index: Path, questions: Path) -> dict:
    from core.artifacts import sentence_texts
    from core.lexical import tokenize_query
    from evaluate.run import load_questions, sentence_hit
    from qa.engine import Engine
    from qa.intent import detect_sections
    from qa.retrieve import Query, compute_signals, lexical

    eng = Engine.load(index)
    qs = [q for q in load_questions(questions) if not q.out_of_scope]
    chunks, owner = eng.index.chunks, eng.index.sentence_chunk
    sents = sentence_texts(chunks)
    # Late chunking with the index's first model (a sentence-transformers model: it needs the transformer's token states).
    primary = eng.index.primary
    late = late_chunked(primary.spec.document_encoder(primary.model_dir), chunks)
    rows = {name: [] for name in ("sent_dense", "sent_bm25", "passage_dense", "chunk_bm25", "intent", "late")}
    for q in qs:
        # The shipped signals as the engine computes them: each weighted model's cosines, summed by weight.
        queries = [Query(w, eng.index.models[k], eng.encoders[k].embed(q.question)) for k, w in eng.weights.items()]
        lex = lexical(eng.index, eng.table, tokenize_query(q.question))
        sig = compute_signals(eng.table, queries, lex, detect_sections(q.question), eng.full, chunk_dense=False)
        for name in ("sent_dense", "sent_bm25"):
            rows[name].append(getattr(sig, name))
        for name in ("passage_dense", "chunk_bm25", "intent"):
            rows[name].append(getattr(sig, name)[owner])
        rows["late"].append(late @ eng.encoders[primary.spec.key].embed(q.question))
    feats = {k: np.asarray(v) for k, v in rows.items()}
    feats["title"] = np.broadcast_to(eng.table.title[owner], feats["sent_dense"].shape)
    for name in ("sent_dense", "sent_bm25", "chunk_bm25", "late"):
        feats[f"r_{name}"] = rank_feature(feats[name])
    hits = np.array([[any(g in c.text for g in q.gold) for c in chunks] for q in qs])
    gold = np.array([[sentence_hit(s, q.gold) for s in sents] for q in qs])
    split = np.array([q.split for q in qs])
    single = {
        name: {sp: score(feats[name][split == sp], owner, len(chunks), hits[split == sp], gold[split == sp]) for sp in dict.fromkeys(split)}
        for name in ("sent_dense", "sent_bm25", "late")
    }
    learned = {}
    for set_name, names in FEATURE_SETS.items():
        x = np.stack([feats[n] for n in names], -1)
        for l2 in L2:
            per = {}
            for held in dict.fromkeys(split):
                w = fit(x[split != held], gold[split != held], l2)
                per[held] = score(x[split == held] @ w, owner, len(chunks), hits[split == held], gold[split == held])
            learned[f"{set_name}, l2={l2}"] = per
    return {"questions": len(qs), "single_signal": single, "learned_fusion_held_out_split": learned}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fusion_ceiling", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=ROOT / "index")
    p.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    args = p.parse_args(argv)
    print(json.dumps(measure(args.index, args.questions), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
