"""Load a published index with its own model, and answer questions from it (thread-safe)."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import numpy as np

from core import layout
from core.artifacts import IndexData, load_index, sentence_texts
from core.lexical import tokenize_query
from core.model import BUNDLED_MODEL_ID, max_seq_length, sha256_file, verify_model
from qa.abstain import Evidence, answerable, coverage, idf_table, no_answer_message, unknown_names
from qa.candidates import choose_scope
from qa.config import DEFAULT, Settings
from qa.encode import OnnxQueryEncoder, QueryEncoder
from qa.extract import pick_sentences, sentence_scores
from qa.fusion import rrf, top_k
from qa.intent import answer_type, canonical_section, detect_sections, type_matches
from qa.retrieve import MODES, allowed_chunks, chunk_table, compute_signals, full_scope, lexical, passage_scores
from qa.types import Answer, AnswerSentence, Passage

log = logging.getLogger("mythqa.qa")
REBUILD = "re-run `python -m ingest --full` to rebuild the index with the model installed here"


class IndexMismatch(RuntimeError):
    """The index was built with another format, model or dimension than the one available here."""


def clean_question(text) -> str:
    """Replace control and format characters with spaces and collapse runs of white space."""
    text = "" if text is None else str(text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def _check_manifest(manifest: dict, index_dir: Path):
    """Verify the manifest against the model on this machine; return (model dir, model id, hashes)."""
    if manifest.get("format_version") != layout.FORMAT_VERSION:
        raise IndexMismatch(
            f"The index in {index_dir} has format version {manifest.get('format_version')}, "
            f"this program reads version {layout.FORMAT_VERSION}: {REBUILD}."
        )
    model = manifest.get("model") or {}
    bundled = model.get("id") == BUNDLED_MODEL_ID
    model_dir, model_id, hashes = verify_model(None if bundled else Path(model.get("path", "")))
    if model.get("id") != model_id or model.get("sha256") != hashes:
        raise IndexMismatch(
            f"The index in {index_dir} was built with model {model.get('id')} (files {model.get('sha256')}), "
            f"but the model here is {model_id} (files {hashes}): {REBUILD}."
        )
    return model_dir, model_id, hashes


def _onnx_encoder(version_dir: Path, manifest: dict, model_dir: Path, threads: int | None):
    """The index's ONNX query encoder, or (None, why not) so the caller can fall back to PyTorch."""
    entry = manifest.get("query_encoder") or {}
    path = Path(version_dir) / layout.QUERY_ONNX
    if entry.get("backend") != "onnx":
        return None, entry.get("reason", "the index was built without one")
    if not path.exists() or sha256_file(path) != entry.get("sha256"):
        log.warning("%s is missing or altered; answering with PyTorch instead. `python -m ingest --full` restores it.", path)
        return None, f"{path.name} is missing or altered"
    try:
        return OnnxQueryEncoder(path, model_dir, max_seq_length(model_dir), threads or 1), ""
    except ImportError:
        return None, "onnxruntime is not installed"


class Engine:
    """The read path over one loaded index version. Build with ``Engine.load``; ``ask`` is thread-safe."""

    def __init__(self, index: IndexData, encoder: QueryEncoder | OnnxQueryEncoder, settings: Settings = DEFAULT):
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self.table = chunk_table(index)
        self.full = full_scope(index)
        self.sections = tuple(dict.fromkeys(s for s in self.table.sections if s))
        self.myths = tuple(sorted({int(m) for m in self.table.myths if m >= 0}))
        self.idf, self.unseen_idf = idf_table(index.bm25_sentences)
        self.types = {t: np.asarray(m, dtype=np.float64) for t, m in type_matches(sentence_texts(index.chunks)).items()}

    @property
    def version(self) -> str:
        return self.index.version

    @classmethod
    def load(cls, index_dir: Path, encoder=None, settings: Settings = DEFAULT, threads: int | None = 1, backend: str = "auto") -> Engine:
        """Load the published index in ``index_dir`` and the query encoder it was built for.

        Args:
            index_dir: an index folder written by ``python -m ingest``.
            encoder: an already loaded SentenceTransformer for the index's model (tests, the app); used
                only when queries run on PyTorch.
            settings: scorer weights and thresholds.
            threads: intra-op threads for one query; 1 measured fastest and steadiest for one short query
                on the shared 2-core machine (None leaves torch's setting alone).
            backend: "auto" (the index's checked ONNX export when usable, else PyTorch), "onnx" or "torch".

        Raises:
            layout.IndexMissing: nothing is published there.
            IndexMismatch: format version, model id, model files or dimension differ, or ``backend="onnx"``
                cannot be honoured; re-run ingestion.
            core.model.ModelError: the model is missing or altered.
        """
        if backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"unknown backend {backend!r}; choose auto, onnx or torch")
        index_dir = Path(index_dir)
        manifest = layout.read_manifest(layout.resolve(index_dir))
        model_dir, _, _ = _check_manifest(manifest, index_dir)
        index = load_index(index_dir)
        query = None
        if backend != "torch":
            query, why = _onnx_encoder(index.path, manifest, model_dir, threads)
            if query is None and backend == "onnx":
                raise IndexMismatch(f"The index in {index_dir} has no usable ONNX query encoder ({why}): {REBUILD}.")
        if query is None:
            from core.model import load_encoder

            encoder = encoder if encoder is not None else load_encoder(model_dir)
            if threads is not None:
                import torch

                torch.set_num_threads(threads)
            query = QueryEncoder(encoder, model_dir)
        dims = {int(manifest["model"].get("dimension", -1)), len(query.embed("dimension check")), int(index.chunk_vectors.shape[1])}
        if len(dims) != 1 or {index.sentence_vectors.shape[1], index.passage_vectors.shape[1]} != dims:
            raise IndexMismatch(f"The index in {index_dir} has vectors of dimension {sorted(dims)}, the model gives another: {REBUILD}.")
        return cls(index, query, settings)

    def ask(self, question: str, k: int = 5, myth: int | None = None, section: str | None = None, mode: str = "fused") -> Answer:
        """Answer one question with up to 3 verbatim sentences from the top ``k`` passages, or abstain.

        Never raises on a bad question: empty input, unknown filters and the like come back as
        ``answered=False`` with a message; over-long questions are cut to the model window with a notice.
        ``mode`` other than "fused" gives the baselines used by ``qa.evaluate --compare`` (no abstention).
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        original = "" if question is None else str(question)
        text = clean_question(original)
        if not text:
            return Answer(original, False, "Please type a question, e.g. “Who promotes this myth?”.", (), ())
        try:
            k = max(1, int(k))
        except (TypeError, ValueError):
            k = 5
        if section is not None:
            name = canonical_section(section, self.sections)
            if name is None:
                return Answer(original, False, f"There is no section “{section}”. Sections: {'; '.join(self.sections)}.", (), ())
            section = name
        if myth is not None:
            known = ", ".join(map(str, self.myths)) or "none"
            try:
                myth = int(myth)
            except (TypeError, ValueError):
                return Answer(original, False, f"The myth filter must be a number (myths: {known}).", (), ())
            if myth not in self.myths:
                return Answer(original, False, f"There is no Myth {myth} in the index (myths: {known}).", (), ())
        prepared = self.encoder.prepare(text)
        notice = (
            f"Your question is {prepared.tokens} tokens long; only the first {self.encoder.window - 2} were used."
            if prepared.truncated
            else ""
        )
        return self._answer(original, prepared.text, k, myth, section, mode, notice)

    def _answer(self, original: str, text: str, k: int, myth, section, mode: str, notice: str) -> Answer:
        ix, st = self.index, self.settings
        tokens, sections = tokenize_query(text), detect_sections(text)
        qvec = self.encoder.embed(text)
        lex = lexical(ix, self.table, tokens)
        scope = choose_scope(ix, self.table, self.full, qvec, lex, allowed_chunks(self.table, myth, section))
        need_chunk_dense = mode in ("dense", "rrf") or st.w_chunk_dense != 0
        sig = compute_signals(ix, self.table, qvec, lex, sections, scope, chunk_dense=need_chunk_dense)
        scores = passage_scores(self.table, sig, st, scope, mode)  # over scope.chunks: "local" positions
        top = [int(c) for c in top_k(scores, k)]
        if not top:
            return Answer(original, False, "No passage matches these filters.", (), ())
        passages = tuple(self._passage(rank, int(scope.chunks[c]), float(scores[c])) for rank, c in enumerate(top, 1))
        if mode == "fused":
            ev = self._evidence(text, tokens, sig.sent_dense)
            if not answerable(ev, st.abstain_lexical_weight, st.abstain_threshold):
                return Answer(original, False, " ".join(filter(None, [no_answer_message(ev), notice])), (), passages)
            sscores = sentence_scores(sig.sent_dense, sig.sent_bm25, scores, scope.owner, st.s_dense, st.s_bm25, st.s_passage)
            wanted = answer_type(text)
            if wanted:  # "when ...?" prefers a sentence with a date, "how many ...?" one with a number
                sscores = sscores + st.s_type * self.types[wanted][scope.sentences]
        elif mode == "rrf":
            sscores = rrf([sig.sent_dense, sig.sent_bm25], k=st.rrf_k)
        else:
            sscores = sig.sent_dense if mode == "dense" else sig.sent_bm25
        picks = pick_sentences(sscores, scope.owner, top[: st.extract_passages], st.max_sentences, st.extra_ratio)
        slot = {c: i for i, c in enumerate(top)}
        sentences = tuple(self._sentence(int(scope.sentences[p.sentence]), slot[p.chunk], p.score) for p in picks)
        return Answer(original, bool(sentences), notice, sentences, passages)

    def evidence(self, question: str) -> Evidence:
        """What decides whether ``question`` is answered, over the whole index (used to calibrate abstention)."""
        text = self.encoder.prepare(clean_question(question)).text
        tokens = tokenize_query(text)
        lex = lexical(self.index, self.table, tokens)
        sig = compute_signals(self.index, self.table, self.encoder.embed(text), lex, (), self.full, chunk_dense=False)
        return self._evidence(text, tokens, sig.sent_dense)

    def _evidence(self, text: str, tokens: list[str], sent_dense: np.ndarray) -> Evidence:
        vocab = self.index.bm25_sentences.vocab_dict
        best = float(np.max(sent_dense, initial=0.0))
        return Evidence(best, coverage(tokens, vocab, self.idf, self.unseen_idf), unknown_names(text, vocab))

    def _passage(self, rank: int, cid: int, score: float) -> Passage:
        c = self.index.chunks[cid]
        return Passage(rank, round(score, 4), c.text, cid, c.myth, c.title, c.author, c.section, c.paragraph, c.source, c.page, c.url)

    def _sentence(self, sid: int, slot: int, score: float) -> AnswerSentence:
        c = self.index.chunks[int(self.index.sentence_chunk[sid])]
        span = c.sentences[int(self.index.sentence_rank[sid])]
        start, end = span.start - c.start, span.end - c.start
        return AnswerSentence(c.text[start:end], slot, start, end, round(score, 4))
