"""The settings profile an index is built and answered with: chunking, fusion weights and abstention, each with its reason."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from core.errors import MythQAError

# What `python -m learn --write core/learned.json` fitted on every development myth (the sentence model, the answer model,
# the abstention entry and the fit check, with the splits they were fitted on and a record of the run); the defaults below
# fall back to the values written in this file when it is missing.
LEARNED_FILE = Path(__file__).with_name("learned.json")
LEARNED_FIELDS = ("sentence_model", "answer_model", "abstain", "fit_relevance", "trained_splits")


def _learned() -> dict:
    try:
        return dict(json.loads(LEARNED_FILE.read_text(encoding="utf-8")).get("settings") or {})
    except (OSError, ValueError, AttributeError):
        return {}


# Settings earlier versions recorded that nothing reads any more: a profile holding them still loads.
RETIRED = frozenset({"s_type"})  # the answer-type bonus of sentence choice, replaced by the sentence ranker (qa.rank)


class ProfileError(MythQAError, ValueError):
    """A settings profile file or manifest entry is unreadable or names unknown settings."""

    code = "profile-invalid"
    remedy = "fix the profile file, or write a new one with `python -m evaluate.calibrate --write FILE`"


@dataclass(frozen=True)
class Settings:
    """Every tuned number of the index, chosen on splits of eval/questions.jsonl (eval/README.md has the results).

    Recorded in each version's manifest (``profile``); the engine answers with the recorded profile, and
    `python -m ingest --profile FILE` publishes a new one without editing code. Scores on a dense scale are
    named per model (``model_weights``, ``abstain``), since each model's cosines have their own range.
    """

    name: str = "default"
    # Chunking (ingest.chunk): tokens per chunk, never more than the smallest window of the index's models.
    chunk_tokens: int = 256
    # Passage score = weighted sum of these signals (qa.retrieve.passage_scores); dense signals are the
    # model_weights-weighted sum of each model's cosines.
    # {minilm 0.25, mpnet 1}: on the development splits (tune, heldout, blind, blind2) top-1 0.773 / top-3 0.919 against
    # mpnet alone 0.762 / 0.890 and MiniLM alone 0.733 / 0.890 (eval/README.md, round 4). An index without mpnet
    # answers with MiniLM alone at weight 1, exactly as before (qa.loader.model_weights).
    model_weights: Mapping[str, float] = field(default_factory=lambda: {"minilm": 0.25, "mpnet": 1.0})
    # Intra-op threads of each model's ONNX query encoder. One query of MiniLM measured fastest and steadiest on one
    # thread on the shared 2-core machine; mpnet (6x the work) halves its time on two (72 -> 38 ms p50, loaded machine).
    query_threads: Mapping[str, int] = field(default_factory=lambda: {"mpnet": 2})
    w_chunk_dense: float = 0.0  # the long shared myth title dominates these vectors: no weight measured better
    w_passage_dense: float = 0.1  # section + text, no title: the paragraph's meaning beyond its best sentence
    w_sent_dense: float = 0.4
    w_chunk_bm25: float = 0.1
    w_sent_bm25: float = 0.1
    w_intent: float = 0.3
    w_title: float = -1.0
    rrf_k: float = 60.0
    # Sentence score = weighted sum over the sentences of the best passages (qa.extract).
    # Up to 3 passages may contribute sentences, those within 5% of the best (lever 4): on the development splits
    # first sentence 0.703 -> 0.715, any answer sentence 0.744 -> 0.802 (eval/README.md, round 4).
    extract_passages: int = 3
    # Answer composition: the next passages (up to extract_passages) also contribute sentences when their score is
    # at least this share of the best passage's (issue 12, lever 4).
    compose_ratio: float = 0.95
    s_dense: float = 1.0
    s_bm25: float = 0.2
    s_passage: float = 0.5
    # A follow-up that reads the previous answer ("Why?", "Give me an example", "What did he mean?") adds this to the
    # passage score of the previous answer's passage and its neighbours (qa.followup.FollowUp.context): on the scale of
    # the passage scores' spread between rank 1 and 3 on development questions; see eval/README.md, round 6.
    w_context: float = 0.2
    # A question that must be answered by a kind of value ("when…?", "how many…?", "who is X's Y?") is refused unless a
    # sentence of the best passages holding that value is at least this close to the question, relative to the closest
    # sentence (dense + lexical sentence signals, qa.engine._relevance): a date somewhere nearby does not answer "When did
    # China first receive Su-35s?". Chosen by `python -m evaluate.fit` on the seven development splits (49 questions it
    # applies to after the other checks: 8 of 12 out of scope refused from 0.62 to 0.92, none of 37 answerable refused).
    fit_relevance: float = 0.62
    # The learned answer-or-refuse decision (qa.decide.decide), applied after the rules above: logistic weights per feature
    # of qa.decide.FEATURES, "bias" and "threshold", from `python -m evaluate.answerability --write` on the seven
    # development splits and 186 questions made unanswerable from them by a swapped name. Cross-validated by split, the
    # rules alone refused 0 of 280 answerable, 25 of 42 out of scope and 9 of 186 swapped questions; with the model
    # 4 / 27 / 29 (eval/README.md, round 6). In-sample caveat: mpnet's query encoder was tuned on these questions.
    # The splits of eval/questions.jsonl the answer model and the thresholds above (abstention, fit_relevance) were
    # fitted on: evaluate reports figures on them as in-sample. (The tuned encoder's own list is in its record.)
    trained_splits: tuple[str, ...] = ("tune", "heldout", "blind", "blind2", "blind3", "blind4", "blind5")
    answer_model: Mapping[str, float] = field(
        default_factory=lambda: {
            "dense": 7.67431,
            "coverage": -0.720958,
            "fit": 6.67506,
            "strict": 0.2663,
            "entities": 2.662898,
            "follow_up": 0.0,
            "bias": -11.846455,
            "threshold": 0.113675,
        }
    )
    # The learned sentence ranker (qa.rank): a logistic weight per feature of qa.rank.FEATURES, "bias", and the "mean" and
    # "scale" each feature is standardised with; fitted by `python -m learn.lomo --write` on the development myths.
    # Empty: candidates are ranked by fused similarity alone (dense + 0.2 BM25 + 0.5 passage).
    sentence_model: Mapping[str, object] = field(default_factory=dict)
    # The sentences of this many best passages are candidate answers (qa.rank.candidates), with every list they touch.
    rank_passages: int = 3
    # Rules the sentence ranker keeps, each only when some candidate meets it (qa.rank.choose), each measured
    # leave-one-myth-out against the ranker alone (eval/README.md, round 7):
    strict_filter: bool = True  # a question that must be answered by a kind of value ("when…?") gets a sentence holding one
    author_rule: bool = True  # a question on the author's view gets the author's own sentences, never a reported view
    follow_myth_rule: bool = True  # a follow-up is answered from the myth of the answer it follows
    item_rule: bool = True  # "the second one", "the third reason": that item of the list shown (or of the best list)
    role_rule: bool = True  # "Is China arming Russia?" is not answered by a sentence where Russia arms China
    # A question asking for a value ("In which city…?", "Which newspaper…?", "What was her job?") is answered by a sentence
    # giving one among the best slot_window candidates, and refused, saying so, when none does.
    slot_rule: bool = True
    slot_window: int = 5
    extra_ratio: float = 0.9  # further sentences must score at least this share of the best one (no sentence model)
    extra_share: float = 0.5  # with a sentence model: further sentences at least this share of the best one's probability
    max_sentences: int = 3
    # Abstention (qa.abstain), per model: answer when the question names nothing the texts never mention and
    # that model's best-sentence cosine + lexical_weight x coverage >= threshold. The first listed model the
    # index holds decides. Each chosen by `python -m evaluate.calibrate --model KEY`: the pair that turns away
    # the most out-of-scope questions while refusing at most one answerable question in 50, widest gap on ties.
    # mpnet: on tune, heldout, blind, blind2 and blind3 (286 questions, 2026-12-02), with the near-domain rules
    # after it: 3 of 222 answerable refused (MiniLM's pair: 12), 53/64 out of scope turned away (54).
    # minilm: on tune, heldout and blind (160 questions, issue 3); decides for indexes without mpnet.
    abstain: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: {"mpnet": {"lexical_weight": 0.1, "threshold": 0.24}, "minilm": {"lexical_weight": 1.7, "threshold": 0.978}}
    )

    # Levers of issue 12 that can be switched off for evaluation (`python -m evaluate --levers`).
    metadata: bool = True  # questions about the document itself are answered from its parsed structure
    follow_ups: bool = True  # "And what about India?" is read against the previous turn
    near_domain: bool = True  # refuse when key terms are unknown or a figure is asked for and none is given
    keep_question_end: bool = True  # an over-long question keeps its end, where the question usually is

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

    def abstention(self, models) -> tuple[str, float, float] | None:
        """(model key, lexical weight, threshold) of the first abstention entry whose model is in ``models``."""
        for key, entry in self.abstain.items():
            if key in models:
                return key, float(entry["lexical_weight"]), float(entry["threshold"])
        return None

    def to_json(self) -> dict:
        d = asdict(self)
        d["model_weights"] = dict(self.model_weights)
        d["query_threads"] = dict(self.query_threads)
        # A list, not an object: the order says which model decides, and manifests are written with sorted keys.
        d["abstain"] = [{"model": k, **v} for k, v in self.abstain.items()]
        d["trained_splits"] = list(self.trained_splits)  # as JSON reads it back: a manifest's profile compares equal
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> Settings:
        """A profile from its JSON form; settings it leaves out keep their defaults.

        Raises:
            ProfileError: not an object, unknown names, or values of the wrong type.
        """
        if not isinstance(d, Mapping):
            raise ProfileError("a settings profile must be a JSON object")
        known = {f.name: f for f in fields(cls)}
        d = {k: v for k, v in dict(d).items() if k not in RETIRED}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ProfileError(f"unknown settings {', '.join(unknown)} (known: {', '.join(known)})")
        base = cls()
        out = {}
        if isinstance(d.get("abstain"), list):  # the JSON form of the ordered abstention entries (see to_json)
            try:
                d["abstain"] = {e["model"]: {k: v for k, v in e.items() if k != "model"} for e in d["abstain"]}
            except (TypeError, KeyError) as e:
                raise ProfileError(f"setting abstain must list {{model, lexical_weight, threshold}} entries, not {d['abstain']!r}") from e
        for name, value in d.items():
            default = getattr(base, name)
            if isinstance(default, tuple) and isinstance(value, list) and all(isinstance(x, str) for x in value):
                value = tuple(value)  # a list of names in JSON
            ok = (
                isinstance(value, Mapping)
                if isinstance(default, Mapping)
                else isinstance(value, type(default) if not isinstance(default, float) else (int, float))
            )
            if not ok or isinstance(value, bool) != isinstance(default, bool):
                raise ProfileError(f"setting {name} must be like {default!r}, not {value!r}")
            out[name] = float(value) if isinstance(default, float) else value
        return replace(base, **out)


def read_profile(path: Path) -> Settings:
    """Read a profile file written by `python -m evaluate.calibrate --write` (or by hand).

    Raises:
        ProfileError: the file is missing, not JSON, or not a valid profile.
    """
    try:
        return Settings.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProfileError(f"cannot read the settings profile {path}: {e}") from e


def _with_learned(base: Settings) -> Settings:
    learned = {k: v for k, v in _learned().items() if k in LEARNED_FIELDS}
    if not learned:
        return base
    try:
        return Settings.from_json({**base.to_json(), **learned})
    except ProfileError:  # a learned file of another version of the settings: the written defaults answer
        return base


DEFAULT = _with_learned(Settings())
