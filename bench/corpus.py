"""Reproducible myth-shaped corpora of a requested size, built from the sentences of the shipped text."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from core.types import TEMPLATE_SECTIONS

SEED_FILE = Path(__file__).resolve().parent.parent / "corpus" / "myth-10-russia-and-china-joining-forces.txt"
SEED_CHUNKS = 30  # chunks the ingester makes of SEED_FILE (title, author, standfirst, 6 series + 21 section paragraphs)
HEADER_CHUNKS = 3  # title, author block, standfirst: one chunk each
PARAGRAPHS_PER_FILE = 27  # like the shipped myth: 30 chunks per file
MAX_PARAGRAPH_CHARS = 700  # about 150 model tokens with the context line: one chunk per paragraph, never split

# Swapped into sampled sentences so the synthetic myths do not all share one vocabulary.
_ACTORS = ["Russia", "China", "Iran", "Belarus", "Turkey", "India", "Serbia", "Kazakhstan", "Syria", "Armenia", "Georgia", "Ukraine"]
_TOPICS = [
    "nuclear deterrence",
    "hybrid warfare",
    "conscription",
    "air defence",
    "the Black Sea fleet",
    "arms exports",
    "private military companies",
    "cyber operations",
    "the Arctic",
    "military reform",
    "logistics",
    "sanctions",
]
_FIRST = ["Mathieu", "Keir", "Andrew", "Dara", "Anna", "Kristin", "Michael", "Julia", "Ola", "Jonas", "Eva", "Samuel"]
_LAST = ["Boulègue", "Giles", "Monaghan", "Massicot", "Maria", "Ven Bruusgaard", "Kofman", "Schmidt", "Tamnes", "Lund", "Berg"]
_PLACES = ["Chatham House", "University of Oslo", "King’s College London", "SWP Berlin", "RAND Corporation", "IISS"]


def seed_sentences() -> dict[str, list[str]]:
    """Sentences of the shipped myth's body, grouped by template section (lines after each heading)."""
    from ingest.chunk import split_sentences

    text = SEED_FILE.read_text(encoding="utf-8")
    out: dict[str, list[str]] = {s: [] for s in TEMPLATE_SECTIONS}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line in out:
            section = line
        elif section and line:
            out[section] += [line[s.start : s.end] for s in split_sentences(line) if 20 <= s.end - s.start <= 320]
    return out


def _vary(sentence: str, rng: random.Random) -> str:
    swap = dict(zip(("Russia", "China"), rng.sample(_ACTORS, 2), strict=True))
    sentence = re.sub(r"\b(Russia|China)\b", lambda m: swap[m.group(1)], sentence)
    sentence = re.sub(r"\b(19|20)\d\d\b", lambda _: str(rng.randint(1991, 2030)), sentence)
    return sentence


def _paragraph(pool: list[str], rng: random.Random) -> str:
    sents = []
    for s in rng.sample(pool, min(len(pool), rng.randint(2, 4))):
        s = _vary(s, rng)
        if sents and len(" ".join(sents + [s])) > MAX_PARAGRAPH_CHARS:
            break
        sents.append(s)
    return " ".join(sents)


def myth_text(number: int, paragraphs: int, rng: random.Random, pool: dict[str, list[str]]) -> str:
    """One synthetic myth in the shipped template with ``paragraphs`` body paragraphs (at least one per section)."""
    topic, actor = rng.choice(_TOPICS), rng.choice(_ACTORS)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    lines = [
        f"Myth {number}: ‘{actor} will win through {topic}’",
        first,
        last,
        f"Senior Research Fellow, {rng.choice(_PLACES)}",
        f"The role of {topic} in {actor}’s military power is routinely overstated by observers.",
    ]
    per = [paragraphs // 5 + (1 if i < paragraphs % 5 else 0) for i in range(5)]
    for heading, n in zip(TEMPLATE_SECTIONS, per, strict=True):
        if n:
            lines.append(heading)
            lines += [_paragraph(pool[heading], rng) for _ in range(n)]
    return "\n".join(lines) + "\n"


def generate(out_dir: Path, chunks: int, seed: int = 0, include_seed: bool = True) -> Path:
    """Write a corpus that the ingester turns into exactly ``chunks`` chunks (at least 9).

    The shipped Myth 10 text is included (so the evaluation questions keep their answers), the rest are
    synthetic myths numbered from 1000 with 30 chunks each; the same ``seed`` gives the same files.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    rest = chunks
    if include_seed and chunks >= SEED_CHUNKS + HEADER_CHUNKS + 1:
        shutil.copy(SEED_FILE, out_dir / SEED_FILE.name)
        rest -= SEED_CHUNKS
    if rest < HEADER_CHUNKS + 1:
        raise ValueError(f"cannot make a corpus of {chunks} chunks; ask for at least {HEADER_CHUNKS + 1}")
    per_file = HEADER_CHUNKS + PARAGRAPHS_PER_FILE
    n_files = -(-rest // per_file)
    sizes = [rest // n_files + (1 if i < rest % n_files else 0) for i in range(n_files)]
    if min(sizes) <= HEADER_CHUNKS:
        raise ValueError(f"cannot make a corpus of {chunks} chunks; ask for at least {HEADER_CHUNKS + 1}")
    rng = random.Random(seed)
    pool = seed_sentences()
    shard = 0
    for i, size in enumerate(sizes):
        if i % 500 == 0:  # keep directories small, and exercise recursive discovery
            shard_dir = out_dir / f"part-{shard:03d}"
            shard_dir.mkdir()
            shard += 1
        (shard_dir / f"myth-{1000 + i}.txt").write_text(myth_text(1000 + i, size - HEADER_CHUNKS, rng, pool), encoding="utf-8")
    return out_dir
