"""`python -m bench.student`: a MiniLM-sized student distilled into the published (tuned) mpnet query space, scored.

The teacher is the index's mpnet query encoder (its ONNX export). The student is MiniLM's transformer and pooling with a
dense layer into mpnet's 768 dimensions, fitted on texts a question can look like: the index's sentences, passages and
fragments of them, and the questions the teacher was tuned on. The loss is the cosine to the teacher's vector plus the
KL divergence of the student's scores over the index's sentences and chunks from the teacher's. The student is then
swapped in for mpnet's query side alone (documents keep their mpnet vectors) and every question set is scored again.
A measurement, not a product path.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import re
import time
from pathlib import Path

import numpy as np

from bench.quantize import figures
from core import layout
from evaluate.run import QUESTIONS, SEALED, load_questions

ROOT = Path(__file__).resolve().parent.parent


def fragments(text: str, rng: random.Random, n: int = 3) -> list[str]:
    """Question-length pieces of a sentence: clauses, and word windows of 3–12 words."""
    out = [c.strip() for c in re.split(r"[,;:–—()]", text) if len(c.split()) >= 3]
    words = text.split()
    for _ in range(n):
        if len(words) < 4:
            break
        size = rng.randint(3, min(12, len(words)))
        start = rng.randint(0, len(words) - size)
        out.append(" ".join(words[start : start + size]))
    return out


def tuned_ids(engine, key: str = "mpnet") -> set[str]:
    """The ids of the questions the published query encoder was tuned on (its tuning record): the student sees only those."""
    return set((engine.index.models[key].entry.get("query_encoder") or {}).get("tuned", {}).get("questions", []))


def training_texts(engine, question_files: list[Path], seed: int = 13) -> list[str]:
    from core.artifacts import sentence_texts

    rng = random.Random(seed)
    chunks = engine.index.chunks
    sents = sentence_texts(chunks)
    texts = list(sents) + [c.text for c in chunks]
    for s in sents:
        texts += fragments(s, rng)
    seen_ids = tuned_ids(engine)
    for path in question_files:
        texts += [q.question for q in load_questions(path) if q.split not in SEALED and q.id in seen_ids]
    seen, out = set(), []
    for t in texts:
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out


def teacher_vectors(engine, key: str, texts: list[str]) -> np.ndarray:
    enc = engine.encoders[key]
    return np.stack([enc._vector(enc.prepare(t).text) for t in texts]).astype(np.float32)


def build_student(minilm_dir: Path, teacher: np.ndarray, texts: list[str], ridge: float):
    """MiniLM + Dense(384→768) + Normalize, the dense layer started at the ridge map from MiniLM's vectors to the teacher's."""
    import torch
    from sentence_transformers import SentenceTransformer, models

    base = SentenceTransformer(str(minilm_dir), device="cpu")
    x = base.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    w = np.linalg.solve(x.T @ x + ridge * np.eye(x.shape[1]), x.T @ teacher)  # 384 x 768
    dense = models.Dense(x.shape[1], teacher.shape[1], bias=False, activation_function=torch.nn.Identity())
    with torch.no_grad():
        dense.linear.weight.copy_(torch.from_numpy(w.T.astype(np.float32)))
    return SentenceTransformer(modules=[copy.deepcopy(base[0]), copy.deepcopy(base[1]), dense, models.Normalize()], device="cpu")


def train(student, texts, teacher, docs, epochs: int, lr: float, kl_weight: float, scale: float = 20.0, batch: int = 32, seed: int = 13):
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    t_all = torch.from_numpy(teacher)
    d = torch.from_numpy(docs)
    opt = torch.optim.AdamW(student.parameters(), lr=lr)
    steps = epochs * ((len(texts) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
    student.train()
    for epoch in range(epochs):
        order = list(range(len(texts)))
        rng.shuffle(order)
        total, t0 = 0.0, time.perf_counter()
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            feats = student.tokenize([texts[i] for i in idx])
            out = student(feats)["sentence_embedding"]
            tgt = t_all[idx]
            cos = (1 - (out * tgt).sum(-1)).mean()
            s_log = torch.log_softmax(scale * out @ d.T, dim=-1)
            t_prob = torch.softmax(scale * tgt @ d.T, dim=-1)
            kl = torch.nn.functional.kl_div(s_log, t_prob, reduction="batchmean")
            loss = cos + kl_weight * kl
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        took = time.perf_counter() - t0
        print(f"  epoch {epoch + 1}: loss {total / len(texts):.4f} ({took:.0f} s, load {os.getloadavg()[0]:.2f})", flush=True)
    student.eval()
    return student


class StudentVectors:
    """Stands in for the ONNX embedder of the mpnet query encoder: ``embed(text)`` gives the student's vector."""

    def __init__(self, student):
        import torch

        self.student, self.torch = student, torch

    def embed(self, text: str) -> np.ndarray:
        with self.torch.inference_mode():
            return self.student.encode([text], convert_to_numpy=True, show_progress_bar=False)[0]


def main(argv: list[str] | None = None) -> int:
    from qa.engine import Engine

    ap = argparse.ArgumentParser(prog="python -m bench.student", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=layout.default_index())
    ap.add_argument("--questions", type=Path, action="append", help="sets to score (default: eval/questions.jsonl, eval/blind6.jsonl)")
    ap.add_argument(
        "--train-questions", type=Path, action="append", help="files of the tuned-on questions to distil (default: questions.jsonl)"
    )
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--kl", type=float, default=1.0)
    ap.add_argument("--ridge", type=float, default=0.1)
    ap.add_argument("--save", type=Path, help="save the student here")
    args = ap.parse_args(argv)
    sets = args.questions or [QUESTIONS, ROOT / "eval" / "blind6.jsonl"]
    engine = Engine.load(args.index)
    print(f"index {engine.index.version}; load average {os.getloadavg()[0]:.2f}")
    print("teacher: " + "; ".join(figures(engine, sets)), flush=True)
    texts = training_texts(engine, args.train_questions or [QUESTIONS])
    t0 = time.perf_counter()
    teacher = teacher_vectors(engine, "mpnet", texts)
    print(f"{len(texts)} texts; teacher vectors {time.perf_counter() - t0:.0f} s", flush=True)
    mp = engine.index.models["mpnet"]
    docs = np.concatenate([a for a in (mp.sentence, mp.passage, mp.chunk) if a is not None and np.ndim(a) == 2]).astype(np.float32)
    student = build_student(engine.index.models["minilm"].model_dir, teacher, texts, args.ridge)
    enc = engine.encoders["mpnet"]
    enc._onnx = StudentVectors(student)
    engine.clear_cache()
    print("ridge start: " + "; ".join(figures(engine, sets)), flush=True)
    t0 = time.perf_counter()
    train(student, texts, teacher, docs, args.epochs, args.lr, args.kl)
    print(f"trained in {time.perf_counter() - t0:.0f} s", flush=True)
    engine.clear_cache()
    print("student: " + "; ".join(figures(engine, sets)), flush=True)
    if args.save:
        student.save(str(args.save))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
