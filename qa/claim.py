"""Claim check: match a pasted claim to the myth it restates, and quote that myth's "Why is it wrong?" sentences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.types import STANDFIRST_SECTION, TITLE_SECTION
from qa.discourse import AUTHOR
from qa.engine import Engine, clean_question
from qa.extract import pick_sentences
from qa.types import AnswerSentence, Passage

NO_MATCH = "No myth in the texts matches this claim."
CLOSEST = " The closest passages are below."
EMPTY = "Please paste a claim, e.g. “China is arming Russia for the war”."


@dataclass(frozen=True)
class ClaimSettings:
    """How claims are matched and answered (the one place these numbers live)."""

    # Per model: a claim matches a myth when its best cosine with one sentence of the myth's statement reaches this.
    # From `python -m evaluate.claims --calibrate` on the 35 tune claims of eval/claims.jsonl, each model alone:
    # the threshold with the best tune accuracy, midway across the widest gap on ties (mpnet 34/35 between 0.559 and
    # 0.620, MiniLM 34/35 between 0.543 and 0.609; the one miss, "India and Russia are forming a military alliance
    # against China", scores like a restatement on every signal). An engine with several models uses the
    # weighted mean of their thresholds, with the weights it fuses their cosines with.
    thresholds: tuple[tuple[str, float], ...] = (("mpnet", 0.5896), ("minilm", 0.5761))
    default_threshold: float = 0.5  # a model with no calibrated entry (the tests' hash embedder); not tuned
    # A myth's statement: what a claim restates. The standfirst is the author's one-line correction, which a claim
    # denying the myth ("they are partners, not allies") echoes.
    statement: tuple[str, ...] = (TITLE_SECTION, STANDFIRST_SECTION, "What is the myth?")
    rebuttal: str = "Why is it wrong?"
    k: int = 3  # rebuttal passages returned; the answer sentences come from the best of them
    # A claim this much closer (cosine) to the author's thesis than to the myth's statement agrees with the author: on the
    # development myths' claims, three of the twelve that deny their myth stand 0.147 to 0.249 closer, and no claim that
    # restates one (the matched ones) more than 0.133 (qa.claim.denies).
    thesis_margin: float = 0.14


CLAIM = ClaimSettings()


@dataclass(frozen=True)
class ClaimResult:
    """The myth a claim matches (or none), with that myth's verbatim rebuttal sentences and their passages."""

    claim: str
    matched: bool
    myth: int | None
    title: str | None
    author: str | None
    message: str
    sentences: tuple[AnswerSentence, ...]  # "Why is it wrong?" sentences; ``passage`` indexes into ``passages``
    passages: tuple[Passage, ...]
    score: float  # similarity of the claim to the best myth's statement (weighted cosine)
    agrees: bool = False  # the claim denies the myth it matches: it agrees with the author's rebuttal

    def to_json(self) -> dict:
        """The JSON contract of `python -m qa --claim`."""
        return {
            "claim": self.claim,
            "matched": self.matched,
            "myth": self.myth,
            "title": self.title,
            "author": self.author,
            "message": self.message,
            "score": self.score,
            "agrees": self.agrees,
            "sentences": [s.to_json() for s in self.sentences],
            "passages": [p.to_json() for p in self.passages],
        }


def check(engine: Engine, claim: str, settings: ClaimSettings = CLAIM) -> ClaimResult:
    """Match ``claim`` to a myth and quote the sentences of its "Why is it wrong?" section that speak to it.

    Never raises on a bad claim: empty input comes back unmatched with a message.
    """
    original = "" if claim is None else str(claim)
    text = clean_question(original)
    if not text:
        return ClaimResult(original, False, None, None, None, EMPTY, (), (), 0.0)
    prepared = engine.encoder.prepare(text, engine.settings.keep_question_end)
    notice = (
        f"Your claim is {prepared.words:,} words long; only its last {prepared.kept_words:,} words were used." if prepared.truncated else ""
    )
    scores = myth_scores(engine, prepared.text, settings.statement)
    myth = max(scores, key=scores.get) if scores else None  # ties go to the lower myth number
    best = round(scores[myth], 4) if scores else 0.0
    if myth is None or scores[myth] < threshold(engine, settings):
        closest = engine.ask(original, k=settings.k).passages  # what the texts hold nearest to it, to read for oneself
        return ClaimResult(original, False, None, None, None, _join(NO_MATCH + CLOSEST if closest else NO_MATCH, notice), (), closest, best)
    title, author = _label(engine, myth)
    sentences, passages = rebuttal(engine, original, prepared.text, myth, settings)
    by = f" by {author}" if author else ""
    agrees = denies(engine, prepared.text, myth, settings)
    named = f"Myth {myth}: ‘{title}’{by}" if title else f"Myth {myth}{by}"
    if agrees:
        message = f"This claim denies {named}: it agrees with the author's rebuttal."
    else:
        message = f"This claim matches {named}."
    if not sentences:
        message += f" Its text has no “{settings.rebuttal}” sentences to quote."
    return ClaimResult(original, True, myth, title, author, _join(message, notice), sentences, passages, best, agrees)


def weights(engine: Engine) -> dict[str, float]:
    """The dense weights of the models claims are scored with, scaled to sum to 1 so scores stay on the cosine scale.

    Models whose query encoder was tuned on questions (``Engine.tuned``) are left out when another model can score:
    the thresholds were calibrated on the base encoders, and tuning moves the query side. Measured on the index
    `make index` builds (MiniLM + tuned mpnet, eval/claims.jsonl): with the tuned mpnet 3 of 30 restatements matched,
    and recalibrating it on the tune half left a gap of 0.002 between right and wrong (33/35); MiniLM alone matched
    28 of 30 and rejected 33 of 34, exactly as both base encoders did (eval/README.md, round 6).
    """
    base = {k: w for k, w in engine.weights.items() if k not in engine.tuned}
    if not base:  # every weighted model is tuned: a base model the index holds unweighted, else the tuned ones
        base = {k: 1.0 for k in engine.encoders if k not in engine.tuned} or dict(engine.weights)
    total = sum(base.values()) or 1.0
    return {k: w / total for k, w in base.items()}


def threshold(engine: Engine, settings: ClaimSettings = CLAIM) -> float:
    """The match threshold for this engine's models: their calibrated thresholds, weighted as their cosines are."""
    known = dict(settings.thresholds)
    return sum(w * known.get(k, settings.default_threshold) for k, w in weights(engine).items())


def sentence_ids(engine: Engine, myth: int, sections: tuple[str, ...]) -> np.ndarray:
    """Sentence ids of the given sections of one myth (a chunk's sentence ids are consecutive)."""
    t = engine.table
    wanted = [i for i, name in enumerate(t.section_names) if name in sections]
    chunks = np.flatnonzero((t.myths == myth) & np.isin(t.section_id, wanted))
    if not len(chunks):
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(t.sent_start[c], t.sent_start[c] + t.sent_count[c]) for c in chunks])


def cosines(engine: Engine, text: str, sids: np.ndarray) -> np.ndarray:
    """Weighted cosine of ``text`` with each given sentence, over the engine's models (query vectors are cached)."""
    out = np.zeros(len(sids))
    for key, w in weights(engine).items():
        out += w * (np.asarray(engine.index.models[key].sentence[sids]) @ engine.encoders[key].embed(text))
    return out


def myth_scores(engine: Engine, text: str, sections: tuple[str, ...]) -> dict[int, float]:
    """Per myth with a statement: the claim's best weighted cosine with one of its statement sentences."""
    groups = {m: sentence_ids(engine, m, sections) for m in engine.myths}
    return {m: float(cosines(engine, text, s).max()) for m, s in groups.items() if len(s)}


def rebuttal(engine: Engine, claim: str, text: str, myth: int, settings: ClaimSettings) -> tuple[tuple, tuple]:
    """The engine's answer to the claim within the myth's rebuttal section: its sentences and passages.

    When the engine declines (a name the texts never use, a score under its abstention bar), the claim is still
    about this myth, so the best passage's sentences are picked by the same rule on dense similarity alone.
    """
    if settings.rebuttal not in engine.sections:
        return (), ()
    answer = engine.ask(claim, k=settings.k, myth=myth, section=settings.rebuttal)
    if answer.sentences or not answer.passages:
        return answer.sentences, answer.passages
    top = answer.passages[0]
    chunk = engine.index.chunks[top.chunk_id]
    first = int(engine.table.sent_start[top.chunk_id])
    sids = np.arange(first, first + len(chunk.sentences))
    scores = cosines(engine, text, sids)
    st = engine.settings
    # Local arrays: one candidate passage (0), its sentences numbered by their rank in it.
    picks = pick_sentences(scores, np.zeros(len(sids), dtype=np.int64), [0], st.max_sentences, st.extra_ratio)
    sentences = []
    for p in picks:
        span = chunk.sentences[p.sentence]
        start, end = span.start - chunk.start, span.end - chunk.start
        sentences.append(AnswerSentence(chunk.text[start:end], 0, start, end, round(p.score, 4)))
    return tuple(sentences), answer.passages


def denies(engine: Engine, text: str, myth: int, settings: ClaimSettings = CLAIM) -> bool:
    """Whether a claim matched to ``myth`` denies it, agreeing with the author. Embeddings place a claim and its negation
    side by side, so two signals decide: the claim negates what the myth's title says of the title's own subject ("Russia
    and China are not forming an alliance" against "Russia and China are joining forces"; "The ministry does not direct
    them" negates nothing the title says of its own subject), or it is much closer to the
    author's own thesis (the standfirst and the author's "Why is it wrong?" sentences) than to the myth's statement (the
    title and "What is the myth?"). Chosen on the claims of the five development myths (eval/README.md, round 7)."""
    titles = sentence_ids(engine, myth, (TITLE_SECTION,))
    if not len(titles):
        return False
    title = engine.texts[int(titles[0])]
    if negates_subject(text, title):
        return True
    statement = sentence_ids(engine, myth, (TITLE_SECTION, settings.statement[-1]))
    thesis = [s for s in sentence_ids(engine, myth, (STANDFIRST_SECTION, settings.rebuttal)) if engine.sentences.disc.stance[s] == AUTHOR]
    if not len(statement) or not thesis:
        return False
    closer = float(cosines(engine, text, np.asarray(thesis)).max()) - float(cosines(engine, text, statement).max())
    return closer >= settings.thesis_margin


def negates_subject(claim: str, title: str) -> bool:
    """Whether ``claim`` has one negation more or fewer than ``title`` in a clause whose subject shares a word with the
    title's subject."""
    from core import nlp

    c, t = nlp.parse(claim), nlp.parse(title)
    subject = {w.lower_ for tok in t if tok.dep_ in ("nsubj", "nsubjpass") for w in tok.subtree if w.is_alpha and not w.is_stop}
    # "Myth 10: ‘Russia and China are joining forces’" as stored: the title's own words when the parse finds no subject
    subject = subject or {w.lower_ for w in t if w.pos_ in ("PROPN", "NOUN") and w.is_alpha}
    scoped = 0
    for tok in c:
        if not _negation(tok):
            continue
        subj, node = None, tok
        for _ in range(4):  # up from the negation to the nearest clause with a subject ("… are partners but not allies")
            node = node.head
            subj = next((x for x in node.children if x.dep_ in ("nsubj", "nsubjpass") and x is not tok), None)
            if subj is not None or node.head is node:
                break
        words = {w.lower_ for w in subj.subtree if w.is_alpha} if subj is not None else set()
        scoped += bool(words & subject)
    return scoped % 2 != negations(title) % 2


def negations(text: str) -> int:
    """How many negations a sentence holds ("not", "n't", "never", "no evidence", "neither … nor" once), from its parse."""
    from core import nlp

    return sum(1 for t in nlp.parse(text) if _negation(t))


def _negation(tok) -> bool:
    if tok.dep_ == "neg":
        return not (tok.lower_ == "no" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "longer")
    return tok.lower_ in _NEGATIVE and _argument(tok)


def _argument(tok) -> bool:
    """A negative word that negates a clause ("no evidence exists", "China sends nothing"), not one inside a phrase
    ("a friendship with no limits", "a ‘no limits’ friendship"), nor "no longer", which states a decline ("the fleet no
    longer counts") rather than denying one."""
    if tok.lower_ == "no" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "longer":
        return False
    arguments = ("nsubj", "nsubjpass", "dobj", "attr")
    return tok.dep_ in arguments or (tok.dep_ == "det" and tok.head.dep_ in arguments) or tok.dep_ == "preconj"


_NEGATIVE = frozenset("no never neither none nothing nobody nowhere".split())  # "neither … nor" is one


def _label(engine: Engine, myth: int) -> tuple[str | None, str | None]:
    """A myth's title and author, from its first chunk that carries them."""
    for cid in np.flatnonzero(engine.table.myths == myth):
        c = engine.index.chunks[int(cid)]
        if c.title or c.author:
            return c.title, c.author
    return None, None


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
