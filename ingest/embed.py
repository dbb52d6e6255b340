"""Encode texts into normalised vectors with a progress bar (terminal) or callback (UI)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SLICE_MIN = 1024  # texts handed to model.encode at a time, at least; it batches (64) and length-sorts inside
PROGRESS_STEPS = 50  # larger jobs are cut into this many slices, so the progress bar and the UI still move


def embedding_texts(chunks) -> list[str]:
    """Everything a build embeds for these chunks, in vector order: chunk texts with their myth/section
    context, passage texts (section + text), then every sentence bare (core.spec.RECIPES names these recipes:
    change one here and bump its tag there)."""
    from core.artifacts import sentence_texts

    return [c.embed_text for c in chunks] + [c.passage_text for c in chunks] + sentence_texts(chunks)


def embed_chunks(model, chunks, kinds=("chunk", "passage", "sentence"), progress: bool = True, on_progress=None) -> dict[str, np.ndarray]:
    """Embed the recipes ``kinds`` of ``chunks`` in one ``encode`` job; return the vectors by kind."""
    texts = embedding_texts(chunks)
    n = len(chunks)
    spans = {"chunk": (0, n), "passage": (n, 2 * n), "sentence": (2 * n, len(texts))}
    wanted = [k for k in spans if k in kinds]
    vectors = encode(model, [t for k in wanted for t in texts[slice(*spans[k])]], progress=progress, on_progress=on_progress)
    out, pos = {}, 0
    for k in wanted:
        size = spans[k][1] - spans[k][0]
        out[k], pos = vectors[pos : pos + size], pos + size
    return out


def encode(model, texts: list[str], progress: bool = True, on_progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Return float32 L2-normalised embeddings, one row per text.

    Args:
        model: a loaded SentenceTransformer.
        texts: the texts to embed.
        progress: show a tqdm progress bar on stderr.
        on_progress: called with (done, total) after each batch, e.g. by the UI.
    """
    dim = model.get_embedding_dimension()
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    from tqdm.auto import tqdm

    # Sort by length across all texts, not just inside each slice, so batches pad as little as
    # model.encode does on one big call; the progress bar still moves every slice.
    by_length = np.argsort([-len(t) for t in texts], kind="stable")
    # Each model.encode call costs a little on its own (measured ~10% at 460 texts cut into 256s): cut no finer than needed.
    step = max(SLICE_MIN, -(-len(texts) // PROGRESS_STEPS))
    out = []
    with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not progress) as bar:
        for i in range(0, len(texts), step):
            batch = [texts[j] for j in by_length[i : i + step]]
            out.append(model.encode(batch, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False))
            bar.update(len(batch))
            if on_progress:
                on_progress(min(i + step, len(texts)), len(texts))
    vectors = np.empty((len(texts), dim), dtype=np.float32)
    vectors[by_length] = np.vstack(out)
    return vectors
