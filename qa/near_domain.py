"""Near-domain questions: worded like the texts, asking for what they never name.

* ``unknown_key_terms``: the words carrying what a question asks for, when the texts never use them.
  "Key" is structural, because readers paraphrase freely: 139 of the 172 answerable development
  questions hold some word the texts lack ("treaty", "lawmakers", "rival"), and even the head noun after
  "the"/"its" is unknown in 57 of them. Only these count: the head of the phrase after "how many / how
  much" ("How many fighter *jets* ..."), the noun of a figure a "what is X's Y?" question asks for
  ("China's annual defence *budget*"), and any word of the topic of a "policy / position / stance on X"
  question ("India's policy on *climate* change"). A word the texts use as the tail of a compound is known
  ("planes": "warplanes"). Names the texts never use are found by ``qa.analysis`` from the parse, not here.
* ``asked_for``: what a date or count question asks for, in words, for the refusal that says what is missing
  (the decision that no candidate sentence holds it is ``qa.decide.refusal``'s).
"""

from __future__ import annotations

import re

from core.lexical import tokenize_query

_W = r"[A-Za-z0-9][\w’'-]*"
_AUX = r"(?:has|have|had|did|does|do|is|are|was|were|will|would|can|could|should|might|may)"
_END = (
    r"(?=\s+(?:of|in|on|at|for|from|to|by|with|between|about|that|which|who|according|during|since|under|and|or|as|when|if)\b"
    r"|\s*[?.,;:!]|\s*$)"
)
_HOW_MANY = re.compile(rf"\bhow\s+(many|much)\s+((?:{_W}\s+){{0,5}}?)({_AUX})\s+(.*)", re.I)
_HOW_MANY_BARE = re.compile(rf"\bhow\s+(many|much)\s+(?!{_AUX}\b)(.+)", re.I)
_WHAT_IS = re.compile(
    rf"^\W*(?:what|which)\s*(?:is|are|was|were|['’]s)\s+(?:the\s+|an?\s+)?(?:{_W}['’]s?\s+)?({_W}(?:\s+{_W}){{0,3}}?){_END}", re.I
)
_TOPIC = re.compile(
    rf"\b(?:policy|policies|position|stance|view|attitude)\s+(?:on|towards?|regarding)\s+((?:the\s+)?{_W}(?:\s+{_W}){{0,3}}?){_END}", re.I
)

_FIGURE_NOUNS = (
    r"budget|range|rate|size|population|gdp|height|length|distance|weight|speed|capacity|amount|total|volume|percentage|proportion"
    r"|figure|spending|revenue|payload|casualties|(?:death\s+)?toll"
)

_IRREGULAR = dict(
    w.split(":")
    for w in """become:became begin:began break:broke build:built buy:bought come:came fall:fell fight:fought fly:flew get:got
    give:gave go:went hold:held keep:kept know:knew lead:led leave:left lose:lost make:made meet:met run:ran say:said
    see:saw sell:sold send:sent
    sink:sank speak:spoke spend:spent stand:stood take:took tell:told win:won write:wrote""".split()
)


def _unknown(word: str, vocab: dict) -> bool:
    """Whether the texts never use ``word``; the tail of a compound they use counts as used ("planes": "war|planes")."""
    tails = [t.rstrip("e") for t in tokenize_query(word) if t not in vocab]
    return any(len(t) < 4 or not any(v.endswith(t) and len(v) - len(t) >= 3 and v[: -len(t)] in vocab for v in vocab) for t in tails)


def unknown_key_terms(question: str, vocab: dict, lexicon=None) -> tuple[str, ...]:
    """Key words of ``question`` that ``vocab`` (the corpus's stemmed vocabulary) lacks, as written in the question; with
    ``lexicon`` (qa.spelling.Lexicon), a typo or an abbreviation of a corpus word is no unknown term.

    >>> unknown_key_terms("What is China's annual defence budget?", vocab)  # doctest: +SKIP
    ('budget',)
    """
    found: list[str] = []
    heads: list[str] = []
    if m := _HOW_MANY.search(question):
        heads += m.group(2).split()[-1:]
    elif m := _HOW_MANY_BARE.search(question):
        heads += m.group(2).split()[:1]
    if (m := _WHAT_IS.search(question)) and re.fullmatch(rf"(?:{_FIGURE_NOUNS})s?", m.group(1).split()[-1], re.I):
        heads += m.group(1).split()[-1:]  # only a figure's noun: other heads are often paraphrases ("motive", "worry")
    if m := _TOPIC.search(question):
        heads += m.group(1).split()
    found += [re.sub(r"[?.,;:!]+$", "", w) for w in heads]
    unique: dict[str, str] = {}
    for w in found:
        if w and w.lower() not in unique and _unknown(w, vocab) and not (lexicon is not None and lexicon.knows(w)):
            unique[w.lower()] = w
    return tuple(unique.values())


def _verb(verb: str, aux: str) -> str:
    """``verb`` as it reads once ``aux`` ("did", "does") is taken out of the question: annex -> annexed, have -> has."""
    v = verb.lower()
    if aux == "does":
        return "has" if v == "have" else v + ("es" if re.search(r"(?:s|x|z|ch|sh|o)$", v) else "s")
    if aux != "did":
        return verb
    if v in _IRREGULAR:
        return _IRREGULAR[v]
    if v.endswith("e"):
        return v + "d"
    if re.search(r"[^aeiou]y$", v):
        return v[:-1] + "ied"
    return v + ("ed" if not re.search(r"^[^aeiou]*[aeiou][^aeiouwxy]$", v) else v[-1] + "ed")


def _statement(aux: str, words: list[str]) -> str | None:
    """The question's clause after ``aux`` put back in statement order, or None when unsure.

    ("did", "the firm build the plant") -> "the firm built the plant"; ("was", "the Berlin Wall built") -> "the Berlin Wall was built".
    """
    aux = aux.lower()
    if not words:
        return None
    if aux not in ("did", "does", "do") and re.search(r"(?:ed|en|wn|lt|ld|ght|ung|unk|one)$", words[-1]) and words[-1].islower():
        return " ".join([*words[:-1], aux, words[-1]])
    start = 1 if words[0].lower() in ("the", "a", "an") else 0
    end = start
    while end < len(words) and (
        words[end][:1].isupper() or (words[end] == "and" and words[end + 1 : end + 2] and words[end + 1][:1].isupper())
    ):
        end += 1
    if end == start and start == 0 and aux in ("did", "does", "do") and len(words) > 1:
        end = 1  # a question in lower case: take one word as the subject ("when did finland join nato")
    if end == start or end >= len(words):
        return None
    rest = words[end:]
    if aux in ("did", "does", "do"):
        return " ".join([*words[:end], _verb(rest[0], aux), *rest[1:]])
    return " ".join([*words[:end], aux, *rest])


def asked_for(question: str, kind: str) -> str:
    """What the question asks for, in words: "a figure for China's annual defence budget", or just "a date"."""
    q = re.sub(r"\s*[?.!]+\s*$", "", question.strip())
    label = "a date" if kind == "date" else "a figure"
    what = None
    if kind == "date" and (m := re.search(rf"(?:\bwhen|\b(?:what|which)\s+(?:year|month|date|day))\s+({_AUX})\s+(.+)", q, re.I)):
        clause = _statement(m.group(1), m.group(2).split())
        what = f"when {clause}" if clause else None
    elif kind == "count" and (m := _HOW_MANY.search(q)):
        clause = _statement(m.group(3), m.group(4).split())
        noun = "number" if m.group(1).lower() == "many" else "amount"
        if m.group(2).strip():
            what = f"the {noun} of {m.group(2).strip()}" + (f" {clause}" if clause else "")
        elif clause:
            what = f"how {m.group(1).lower()} {clause}"  # "how much the S-400 costs"
    elif kind == "count" and (m := _HOW_MANY_BARE.search(q)):
        words = m.group(2).split()  # "countries voted to ..." -> "countries that voted to ..."
        verb = next((i for i, w in enumerate(words[1:], 1) if w.endswith("ed") or w in _IRREGULAR.values()), None)
        words = words if verb is None else [*words[:verb], "that", *words[verb:]]
        what = f"the {'number' if m.group(1).lower() == 'many' else 'amount'} of {' '.join(words)}"
    elif kind == "figure" and (m := re.search(r"^\W*(?:what|which)\s*(?:is|are|was|were|['’]s)\s+(.+)", q, re.I)):
        what = m.group(1)
    return f"{label} for {what}" if what else label
