"""Load a published index with its own model, and answer questions from it (thread-safe)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from core.artifacts import IndexData, sentence_texts
from core.lexical import tokenize_query
from core.profile import DEFAULT, Settings
from core.types import STANCES
from qa import rank
from qa.abstain import Evidence, coverage, idf_table, slot_message
from qa.analysis import Analyzer, QuestionAnalysis
from qa.candidates import choose_scope
from qa.decide import Case, Grounds, choose_sentences, decide, features
from qa.discourse import discourse
from qa.facts import sentence_facts
from qa.followup import Turn
from qa.fusion import top_k
from qa.loader import model_weights, open_index
from qa.metadata import metadata_sentences
from qa.question import cap_question, check_filters, clean_question, length_notice
from qa.remember import Remembered
from qa.retrieve import MODES, Lexical, Query, allowed_chunks, chunk_table, compute_signals, full_scope, lexical, passage_scores
from qa.sentence_features import SentenceTable
from qa.spelling import Lexicon
from qa.trace import NO_TRACE
from qa.types import ANSWERED, BAD_FILTER, EMPTY, NOT_IN_TEXTS, Answer, AnswerSentence, Passage

REBUILD = "re-run `python -m ingest --full` to rebuild the index with the models installed here"


class Engine:
    """The read path over one loaded index version. Build with ``Engine.load``; ``ask`` is thread-safe."""

    def __init__(self, index: IndexData, encoders: dict, settings: Settings = DEFAULT, notices: tuple[str, ...] = ()):
        self.index = index
        self.encoders = encoders  # model key -> query encoder, in the index's model order
        self.settings = settings
        self.notices = notices  # what the user should know about this index here (a model it holds that is unusable, …)
        self.table = chunk_table(index)
        self.full = full_scope(index)
        self.sections = tuple(dict.fromkeys(s for s in self.table.sections if s))
        self.myths = tuple(sorted({int(m) for m in self.table.myths if m >= 0}))
        self.idf, self.unseen_idf = idf_table(index.bm25_sentences)
        self.texts = sentence_texts(index.chunks)
        self.vocab = index.bm25_sentences.vocab_dict
        self.facts = sentence_facts(index.chunks, self.texts)
        self.sentences = SentenceTable(index, self.texts, self.facts, discourse(index.chunks))
        self.sentence_id = {t.strip(): i for i, t in reversed(list(enumerate(self.texts)))}  # first sentence of a text wins
        self.analyzer = Analyzer(self.vocab, self.facts.names, self.near, self.section_of, Lexicon(self.texts))
        self.weights = model_weights(settings.model_weights, tuple(index.models))
        # Candidates on large indexes come from the most heavily weighted model's sentence store.
        self.lead = max(self.weights, key=self.weights.get)
        self.abstention = settings.abstention(index.models)
        self.remembered = Remembered()  # the latest answers (qa.remember)
        self.by_uid = {c.uid: c.id for c in index.chunks}
        # Models answering with a query encoder tuned on questions (learn.tune): their query side no longer matches the
        # base encoder that claim thresholds were calibrated on (qa.claim).
        self.tuned = frozenset(
            k
            for k, m in index.models.items()
            if (m.entry.get("query_encoder") or {}).get("tuned") and getattr(encoders.get(k), "backend", "") == "onnx"
        )

    @property
    def version(self) -> str:
        return self.index.version

    @property
    def encoder(self):
        """The query encoder of the index's first model (its tokenizer decides how long questions are cut)."""
        return next(iter(self.encoders.values()))

    def clear_cache(self) -> None:
        """Forget cached question vectors and answers (evaluation and benchmarks time every question as new)."""
        for enc in self.encoders.values():
            enc.embed.cache_clear()
        self.remembered.clear()

    @classmethod
    def load(cls, index_dir: Path, **options) -> Engine:
        """Load the published index in ``index_dir`` with the query encoders of the models it was built with.

        Args:
            index_dir: an index folder written by ``python -m ingest``.
            **options: ``settings``, ``threads``, ``backend``, ``models``, ``encoders``, ``version``, as
                ``qa.loader.open_index`` takes them (its docstring says each and what it raises).
        """
        loaded = open_index(index_dir, **options)
        return cls(loaded.index, loaded.encoders, loaded.settings, loaded.notices)

    def ask(
        self,
        question: str,
        k: int = 5,
        myth: int | None = None,
        section: str | None = None,
        mode: str = "fused",
        trace=NO_TRACE,
        previous=(),
    ) -> Answer:
        """Answer one question with up to 3 verbatim sentences from the top ``k`` passages, or abstain.

        Never raises on a bad question: empty input, unknown filters and the like come back as
        ``answered=False`` with a message; over-long questions are cut to the model window with a notice.
        ``mode`` other than "fused" gives the baselines used by ``evaluate --compare`` (no abstention);
        ``trace`` (qa.trace.Trace) receives the seconds each stage took. ``previous``: the conversation's earlier
        turns, oldest first (qa.followup.Turn, or plain question strings); a follow-up such as "And what about
        India?" is read against them and the reading used is returned as ``understood_as``. A question asked again
        with the same filters and turns is answered from ``qa.remember`` (not when a ``trace`` times the stages).
        """
        if trace is not NO_TRACE:
            return self._ask(question, k, myth, section, mode, trace, previous)
        key = (question, k, myth, section, mode, tuple(previous))
        return self.remembered.get(key, lambda: self._ask(question, k, myth, section, mode, trace, previous))

    def _ask(self, question, k, myth, section, mode, trace, previous) -> Answer:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        original, cut = cap_question("" if question is None else str(question), self.settings.keep_question_end)
        text = clean_question(original)
        if not text:
            return Answer(original, False, "Please type a question, e.g. “Who promotes this myth?”.", (), (), status=EMPTY)
        k, myth, section, bad = check_filters(original, k, myth, section, self.sections, self.myths)
        if bad is not None:
            return bad
        keep_end = self.settings.keep_question_end
        prepared = self.encoder.prepare(text, keep_end)  # what the model window holds is what is analysed
        notice = length_notice(prepared, keep_end, cut)
        with trace.stage("analysis"):
            turns = tuple(t if isinstance(t, Turn) else Turn(str(t)) for t in previous)
            a = self.analyzer.analyze(prepared.text, turns, self.settings.follow_ups and mode == "fused")
        if a.follow_up:  # the standalone reading is longer than what was typed
            a = replace(a, text=self.encoder.prepare(a.text, keep_end).text)
        answer = self._answer(original, a, k, myth, section, mode, notice, trace)
        if not a.follow_up:
            return answer
        against = None if a.follow_up.wellformed else (turns[-1].topic + "?", a.follow_up.refers_to)
        return replace(answer, understood_as=a.understood_as, read_against=against)

    def _queries(self, text: str, trace) -> list[Query]:
        with trace.stage("query_encoding"):
            return [Query(w, self.index.models[k], self.encoders[k].embed(text)) for k, w in self.weights.items()]

    def _answer(self, original: str, a: QuestionAnalysis, k: int, myth, section, mode: str, notice: str, trace) -> Answer:
        """Retrieve, decide, extract: the stages after question analysis."""
        ix, st = self.index, self.settings
        text = a.text
        queries = self._queries(text, trace)
        with trace.stage("lexical_search"):
            tokens = tokenize_query(text)
            lex = lexical(ix, self.table, tokens)
        with trace.stage("dense_search"):
            lead = next(q for q in queries if q.model.spec.key == self.lead)
            scope = choose_scope(ix, self.table, self.full, lead, lex, allowed_chunks(self.table, myth, section))
            need_chunk_dense = mode in ("dense", "rrf") or st.w_chunk_dense != 0
            sig = compute_signals(self.table, queries, lex, a.sections, scope, chunk_dense=need_chunk_dense)
        with trace.stage("fusion"):
            scores = passage_scores(self.table, sig, st, scope, mode)  # over scope.chunks: "local" positions
            if mode == "fused" and a.follow_up and a.follow_up.context:  # a follow-up reads near the previous answer
                scores = scores + st.w_context * np.isin(scope.chunks, a.follow_up.context)
            top = [int(c) for c in top_k(scores, k)]
        if not top:
            return Answer(original, False, "No passage matches these filters.", (), (), status=BAD_FILTER)
        passages = tuple(self._passage(n, int(scope.chunks[c]), float(scores[c])) for n, c in enumerate(top, 1))
        with trace.stage("extraction"):
            field = a.metadata if mode == "fused" and st.metadata and section is None else None
            ranked = [p.myth for p in passages if p.myth is not None]
            sids = metadata_sentences(field, ix.chunks, myth, ranked, tokenize_query(a.asked)) if field else []
            if sids:  # a question about the document itself: answer from its parsed structure, not by similarity
                return self._structural(original, notice, sids, scope, scores, top, k)
            if mode == "fused":
                cands = rank.candidates(a, sig, scores, scope, top, self.sentences, st.rank_passages)
                trace.record("candidates", cands)  # the sentence ranker learns from them (learn.lomo)
                candidates = [s for c in top[:3] for s in self._sentence_ids(int(scope.chunks[c]))]
                relevance = self._relevance(sig, scope, candidates)
                best = len(self._sentence_ids(int(scope.chunks[top[0]])))
                case = Case(a, self._evidence(a, tokens, sig), candidates, best, relevance)
                grounds = Grounds(self.facts, self.texts, self.vocab, self.abstention, st)
                f = features(case, grounds)
                for name, value in f.items():  # evaluate.answerability learns from these
                    trace.record(name, value)
                refused = decide(case, grounds, f)
                if refused:
                    status, message = refused
                    return Answer(original, False, " ".join(filter(None, [message, notice])), (), passages, status=status)
            avoid = a.follow_up.refers_to if a.follow_up and not a.follow_up.again else ""
            shown = [i for i, s in enumerate(scope.sentences) if self.texts[int(s)] == avoid] if avoid else []
            if mode == "fused":
                scored = rank.score(st.sentence_model, cands.features)
                if rank.unfilled(a, cands, scored, st):
                    message = slot_message(a.asked_for.noun)
                    return Answer(original, False, " ".join(filter(None, [message, notice])), (), passages, status=NOT_IN_TEXTS)
                picks = rank.choose(a, cands, scored, scope, self.sentences, st, shown)
            else:
                picks = choose_sentences(sig, scores, scope, top, st, mode, shown)
            order = rank.cited_first(picks, top, k)
            passages = tuple(self._passage(n, int(scope.chunks[c]), float(scores[c])) for n, c in enumerate(order, 1))
            slot = {c: i for i, c in enumerate(order)}
            sentences = tuple(self._sentence(int(scope.sentences[p.sentence]), slot[p.chunk], p.score) for p in picks)
        return Answer(original, bool(sentences), notice, sentences, passages, status=ANSWERED if sentences else NOT_IN_TEXTS)

    def _relevance(self, sig, scope, sids: list[int]) -> np.ndarray:
        """How close each of ``sids`` (sentences of the scope) is to the question: its dense and lexical sentence signals,
        weighted as sentence choice weighs them (core.profile: s_dense, s_bm25)."""
        st = self.settings
        pos = np.searchsorted(scope.sentences, sids)  # scope sentences are in id order
        return st.s_dense * np.asarray(sig.sent_dense)[pos] + st.s_bm25 * np.asarray(sig.sent_bm25)[pos]

    def _sentence_ids(self, cid: int) -> range:
        return range(int(self.table.sent_start[cid]), int(self.table.sent_start[cid] + self.table.sent_count[cid]))

    def section_of(self, sentence: str) -> str | None:
        """The section of the passage holding ``sentence`` (a corpus sentence), or None."""
        sid = self.sentence_id.get(sentence.strip())
        return None if sid is None else self.index.chunks[int(self.index.sentence_chunk[sid])].section

    def near(self, sentence: str, width: int = 1) -> tuple[int, ...]:
        """Chunk ids of the passage holding ``sentence`` and of the ``width`` passages on each side of it in its source."""
        sid = self.sentence_id.get(sentence.strip())
        if sid is None:
            return ()
        cid = int(self.index.sentence_chunk[sid])
        source = self.index.chunks[cid].source
        around = range(cid - width, cid + width + 1)
        return tuple(c for c in around if 0 <= c < len(self.index.chunks) and self.index.chunks[c].source == source)

    def _structural(self, original: str, notice: str, sids: list[int], scope, scores, top: list[int], k: int) -> Answer:
        """Answer with the given sentences; their passages are cited first, then the best of the ranking."""
        owners = list(dict.fromkeys(int(self.index.sentence_chunk[s]) for s in sids))
        local = {int(g): i for i, g in enumerate(scope.chunks)}
        ranked = owners + [int(scope.chunks[c]) for c in top if int(scope.chunks[c]) not in owners]
        ranked = ranked[: max(k, len(owners))]
        passages = tuple(self._passage(n, cid, float(scores[local[cid]]) if cid in local else 0.0) for n, cid in enumerate(ranked, 1))
        sentences = tuple(
            self._sentence(s, owners.index(int(self.index.sentence_chunk[s])), 1.0) for s in sids[: self.settings.max_sentences]
        )
        return Answer(original, True, notice, sentences, passages)

    def evidence(self, question: str) -> Evidence:
        """What decides whether ``question`` is answered, over the whole index (used to calibrate abstention)."""
        a = self.analyzer.analyze(clean_question(question))
        text = self.encoder.prepare(a.text).text
        tokens = tokenize_query(text)
        lex = lexical(self.index, self.table, tokens)
        sig = compute_signals(self.table, self._queries(text, NO_TRACE), lex, (), self.full, chunk_dense=False)
        return self._evidence(replace(a, text=text), tokens, sig)

    def _evidence(self, a: QuestionAnalysis, tokens: list[str], sig) -> Evidence:
        text, vocab = a.text, self.vocab
        key = self.abstention[0] if self.abstention else self.lead
        cosines = sig.sent_dense_by_model.get(key)
        if cosines is None:  # the abstention model carries no weight in the fusion: embed with it for this alone
            cosines = compute_signals(
                self.table,
                [Query(1.0, self.index.models[key], self.encoders[key].embed(text))],
                Lexical(np.zeros(0), np.zeros(0)),
                (),
                self.full,
                chunk_dense=False,
            ).sent_dense
        best = float(np.max(cosines, initial=0.0))
        return Evidence(best, coverage(tokens, vocab, self.idf, self.unseen_idf), a.unknown)

    def passage(self, uid: str, rank: int = 1) -> Passage | None:
        """The passage with stable id ``uid`` in this version (votes and links name passages by it), or None."""
        cid = self.by_uid.get(uid)
        return None if cid is None else self._passage(rank, cid, 0.0)

    def _passage(self, rank: int, cid: int, score: float) -> Passage:
        c = self.index.chunks[cid]
        where = (c.section, c.paragraph, c.source, c.page, c.url, c.uid, c.publisher, c.published)
        return Passage(rank, round(score, 4), c.text, cid, c.myth, c.title, c.author, *where)

    def _sentence(self, sid: int, slot: int, score: float) -> AnswerSentence:
        c = self.index.chunks[int(self.index.sentence_chunk[sid])]
        span = c.sentences[int(self.index.sentence_rank[sid])]
        start, end = span.start - c.start, span.end - c.start
        d = self.sentences.disc
        stance = STANCES[int(d.stance[sid])]
        return AnswerSentence(c.text[start:end], slot, start, end, round(score, 4), self.facts.speakers[sid], stance, d.holders[sid])
