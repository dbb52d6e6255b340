"""English grammar over spaCy parses that ingestion and question analysis share: who reports a view, who acts on whom."""

from __future__ import annotations

from core.lexical import stem

# Verbs that give someone else's view when they head the sentence: "Some analysts argue that …".
REPORTING = frozenset(
    stem(w)
    for w in """say argue claim believe assert contend insist maintain suggest describe portray call label dub frame characterise
    characterize depict declare state tell warn predict write conclude reckon fear worry allege cite stress affirm
    announce proclaim dismiss classify categorise categorize said told wrote written thought""".split()
)
# "X sees/views/regards Y as Z" reports a view only with "as".
REPORTING_AS = frozenset(stem(w) for w in "see saw seen view regard treat present read interpret".split())
# "Officials encourage this view", "commentators have adopted the same line": a verb of holding or spreading a view.
SPREADING = frozenset(
    stem(w) for w in "promote encourage adopt share echo repeat amplify reinforce push spread embrace endorse accept".split()
)
VIEW_NOUNS = frozenset(
    stem(w)
    for w in """idea view notion claim narrative line message perception myth argument belief thesis position story forecast
    prediction""".split()
)
# Nouns a count announces as a list of points ("for three reasons", "in four steps"); "two new workshops" is no list.
LIST_NOUNS = frozenset(
    stem(w)
    for w in """reasons risks problems costs factors steps lessons consequences areas ways forms tasks priorities elements
    challenges weaknesses flaws obstacles constraints limits differences mistakes errors dangers things points questions
    options goals aims objectives pillars principles measures tools means instruments dimensions aspects components phases
    stages scenarios drivers motives motivations purposes functions roles categories types kinds groups levels fronts
    domains spheres arguments assumptions misconceptions effects implications benefits advantages threats conditions
    features characteristics strands tracks lines levers approaches strategies policies recommendations""".split()
)
FIRST_PERSON = frozenset("i we".split())
# An item's position by its ordinal word; -1 is the last ("finally", "the last step").
ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1, "final": -1}


def reporter(verb) -> str | None:
    """The subject of ``verb`` when it reports a view ("Some analysts argue that …"), "" for a passive one without an
    agent ("is widely read as"), None when it does not report one (or the author speaks: "we argue")."""
    lemma = stem(verb.lower_)  # the pipeline runs without its lemmatizer (core.nlp.EXCLUDE)
    children = list(verb.children)
    subj = next((c for c in children if c.dep_ in ("nsubj", "nsubjpass")), None)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in children)
    reports = (
        lemma in REPORTING
        or (lemma in REPORTING_AS and any(c.lower_ == "as" for c in verb.subtree))
        or (lemma in SPREADING and any(c.dep_ in ("dobj", "nsubjpass") and stem(c.lower_) in VIEW_NOUNS for c in children))
    )
    if not reports or subj is None:
        return None
    if subj.lower_ in FIRST_PERSON:
        return None
    if passive:
        agent = next((c for c in children if c.dep_ == "agent"), None)
        return phrase(next(iter(agent.children), agent)) if agent is not None else ""
    return phrase(subj)


def phrase(tok) -> str:
    """A subject as the text words it, without trailing appositions: "Some Western commentators", "Russian state media"."""
    words = list(tok.doc[tok.left_edge.i : tok.i + 1])
    words += [t for c in tok.rights if c.dep_ == "prep" and c.lower_ == "of" for t in c.subtree]  # "parts of the commentariat"
    return " ".join(t.text for t in words if not t.is_punct)


# Who can act on whom: states, peoples, organisations, people, places standing for their governments ("Beijing").
ACTORS = frozenset("GPE NORP ORG PERSON LOC FAC".split())
_OBJECT_PREPS = frozenset("to with from on against for into by".split())


def relations(toks) -> tuple[tuple[str, str], ...]:
    """(agent, patient) name pairs of a sentence's verbs: "Russia sells S-400s to China" → (("Russia", "China"),);
    "Acme was equipped by the Ministry of Supply" → (("Ministry of Supply", "Acme"),) only when both are names."""
    out = []
    for verb in toks:
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        node = verb
        while subj is None and node.dep_ in ("xcomp", "conj", "advcl") and node.head is not node:  # "resumed selling"
            node = node.head
            subj = next((c for c in node.children if c.dep_ == "nsubj"), None)
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        objects += [g for c in verb.children if c.dep_ == "prep" and c.lower_ in _OBJECT_PREPS for g in c.children if g.dep_ == "pobj"]
        if subj is None:
            continue
        if subj.dep_ == "nsubjpass":
            by = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
            objects, agents = [subj], by
        else:
            agents = [subj]
        for a in (n for t in agents if (n := name(t))):
            for p in (n for t in objects if (n := name(t))):
                if a != p:
                    out.append((a, p))
    return tuple(dict.fromkeys(out))


def name(tok) -> str:
    """The name a noun phrase gives ("the Ruritanian Ministry of Supply" → "Ministry of Supply", "Chinese companies" →
    "Chinese"), or "" when it names no actor."""
    for t in tok.subtree:
        if t.ent_type_ in ACTORS and t.ent_iob_ == "B":
            ent = next((e for e in tok.doc.ents if e.start == t.i), None)
            if ent is not None:
                return ent.text
    return ""
