"""Bound the embedding work of one run (ingest.load.Limits): texts per file and texts per run."""

from __future__ import annotations

from ingest.load import Limits, Skipped

DEFERRED = "deferred"  # a Skipped.limits key: the file fits a run but not this one; the next run reads it again


def texts_for(chunks: int, sentences: int, specs) -> int:
    """Texts the encoders embed for this many chunks and sentences, summed over the models ``specs``."""
    return sum(chunks * (("chunk" in s.recipes) + ("passage" in s.recipes)) + sentences * ("sentence" in s.recipes) for s in specs)


class Budget:
    """What one run may still embed; a file past a limit gets a reason that says how to raise it.

    Args:
        limits: the run's limits.
        specs: the models every new file is embedded with.
        committed: texts already owed before any new file, e.g. files kept from the previous index that a newly
            added model must embed.
    """

    def __init__(self, limits: Limits, specs, committed: int = 0):
        self.limits, self.specs, self.committed = limits, list(specs), committed
        self.left = None if limits.max_run_texts is None else limits.max_run_texts - committed
        self.deferred: list[tuple[str, int]] = []  # (source, texts) left for the next run

    def overdrawn(self) -> str:
        """Why the run cannot start ("" when it can): the texts already owed exceed the run limit."""
        if self.left is None or self.left >= 0:
            return ""
        return (
            f"the new model(s) would embed {self.committed:,} texts of files already in the index, over the "
            f"{self.limits.max_run_texts:,} one run may embed; raise --max-run-texts to at least {self.committed:,}"
        )

    def check_blocks(self, source: str, blocks: int) -> Skipped | None:
        """A file whose paragraphs alone (each gives at least one chunk of one sentence) exceed the per-file limit."""
        return self._too_big(source, texts_for(blocks, blocks, self.specs), f"at least {blocks:,} paragraphs")

    def admit(self, source: str, chunks: int, sentences: int) -> Skipped | None:
        """Take a new file's texts from the run's budget, or say why it is skipped."""
        texts = texts_for(chunks, sentences, self.specs)
        too_big = self._too_big(source, texts, f"{chunks:,} chunks, {sentences:,} sentences")
        if too_big:
            return too_big
        if self.left is not None and texts > self.left:
            self.deferred.append((source, texts))
            why = f"run limit reached: its {texts:,} texts do not fit in what is left of the {self.limits.max_run_texts:,} one run "
            return Skipped(source, why + "may embed; the next run adds it (or raise --max-run-texts)", {DEFERRED: True})
        if self.left is not None:
            self.left -= texts
        return None

    def deferred_warning(self) -> str:
        """One line about the files left for the next run ("" when none)."""
        if not self.deferred:
            return ""
        total = sum(n for _, n in self.deferred)
        return (
            f"run limit: {len(self.deferred)} file(s) ({total:,} texts) left for the next run, since one run embeds at most "
            f"{self.limits.max_run_texts:,} texts; run ingestion again to add them, or raise --max-run-texts"
        )

    def _too_big(self, source: str, texts: int, what: str) -> Skipped | None:
        limit, key = self.limits.max_file_texts, "max_file_texts"
        run_limit = self.limits.max_run_texts
        if run_limit is not None and (limit is None or run_limit < limit):
            limit, key = run_limit, "max_run_texts"  # no run could ever hold it: deferring would retry it forever
        if limit is None or texts <= limit:
            return None
        models = f"{len(self.specs)} model{'s' if len(self.specs) != 1 else ''}"
        over = f"the per-file limit of {limit:,}" if key == "max_file_texts" else f"the {limit:,} one run may embed"
        why = f"{texts:,} texts to embed ({what}, {models}), over {over}; raise it with --{key.replace('_', '-')} N"
        return Skipped(source, why, {key: limit})


def owed(plan: dict, prev_files: dict, specs, reuse) -> int:
    """Texts that files kept from the previous index owe the models whose vectors cannot be reused (a model just added)."""
    new = [s for s in specs if s.key not in reuse]
    kept = (prev_files.get(src) or {} for src, (status, _) in plan.items() if status == "unchanged")
    return sum(texts_for(e.get("chunks", 0), e.get("sentences", 0), new) for e in kept if not e.get("skip"))


def retry_limited(plan: dict, prev_files: dict, limits: Limits) -> dict:
    """The plan with files the previous run skipped for a limit read again: the limit has changed since, or it was
    the run limit (those files wait for the next run)."""
    out = dict(plan)
    for source, (status, _reason) in plan.items():
        old = prev_files.get(source) or {}
        caused = old.get("limits")
        if status != "unchanged" or not old.get("skip") or not isinstance(caused, dict) or not caused:
            continue
        if caused.get(DEFERRED) or any(getattr(limits, k, None) != v for k, v in caused.items()):
            out[source] = ("added", "")
    return out
