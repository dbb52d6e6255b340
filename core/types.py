"""Small typed values that cross module boundaries."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

ABOUT_SECTION = "About this series"
TITLE_SECTION = "Title"
STANDFIRST_SECTION = "Standfirst"
AUTHOR_SECTION = "Author"
MYTH_SECTION = "What is the myth?"
TEMPLATE_SECTIONS = (
    "What is the myth?",
    "Who advocates or subscribes to it?",
    "Why is it wrong?",
    "What is its impact on policy?",
    "What would good policy look like?",
)


@dataclass(frozen=True)
class Document:
    """The text of one source file as ingested, with page boundaries for PDFs.

    ``page_starts[i]`` is the character offset where page ``i + 1`` begins.
    """

    source: str
    sha256: str
    text: str
    page_starts: tuple[int, ...] = ()
    encoding: str = "utf-8"
    url: str | None = None

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page holding ``offset``, or None for non-paged text."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) into a document's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    """A named entity or value in a text, found at ingestion (core.nlp): document offsets, its spaCy label
    (PERSON, ORG, GPE, NORP, DATE, CARDINAL…), and the noun it modifies when it is a modifier ("Chinese *minister*")."""

    start: int
    end: int
    label: str
    head: str = ""


@dataclass(frozen=True)
class Quote:
    """Quoted speech in a text and who the text says spoke it ("the minister"); document offsets."""

    start: int
    end: int
    speaker: str


OPENER = -2  # Role.item of the sentence that announces a list ("… for three reasons.")
STANCES = ("author", "reported", "myth")


@dataclass(frozen=True)
class Role:
    """The discourse role of one sentence, found at ingestion (ingest.discourse): whose view it gives — the author's own,
    a view the text reports (a quotation, "some analysts argue …", with ``holder`` naming whose), or the myth's (its title
    and "What is the myth?") — and its place in a list: ``list_start`` is the document offset of the list's first sentence
    (-1 outside lists), ``item`` its 0-based position, OPENER for the announcing sentence, -1 otherwise. ``relations``:
    who acts on whom in it, as (agent, patient) name pairs ("Russia sells weapons to China" → ("Russia", "China"))."""

    stance: str = "author"
    holder: str = ""
    list_start: int = -1
    item: int = -1
    relations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage: a paragraph, or part of a long one.

    Offsets (``start``/``end`` and each sentence) index the document's ``text``.
    """

    id: int
    source: str
    text: str
    start: int
    end: int
    sentences: tuple[Span, ...]
    myth: int | None = None
    title: str | None = None
    author: str | None = None
    affiliation: str | None = None
    section: str | None = None
    paragraph: int | None = None
    part: int = 1
    page: int | None = None
    url: str | None = None
    publisher: str | None = None  # from corpus/sources.toml (ingest.sources)
    published: str | None = None  # the date recorded there, as written
    context: str = ""
    uid: str = ""  # stable passage id (ingest.chunk.assign_uids): kept across rebuilds while the passage's text is
    mentions: tuple[Mention, ...] = ()  # ingest.annotate: entities and values, once per build
    quotes: tuple[Quote, ...] = ()  # ingest.annotate: quoted speech and its speaker
    roles: tuple[Role, ...] = ()  # ingest.discourse: one per sentence (empty in indexes built before it)

    @property
    def text_sha(self) -> str:
        """sha256 of the passage text: tells a vote whether the passage it names still reads the same."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def embed_text(self) -> str:
        """Text given to the encoder: the context a bare paragraph lacks, then the text."""
        return f"{self.context}\n{self.text}" if self.context else self.text

    @property
    def passage_text(self) -> str:
        """Second text given to the encoder: section and text without the myth title, which every chunk of
        a myth shares and which otherwise dominates the vector (measured in eval/README.md)."""
        return f"{self.section}\n{self.text}" if self.section else self.text

    def to_json(self) -> dict:
        d = asdict(self)
        d["sentences"] = [[s.start, s.end] for s in self.sentences]
        d["mentions"] = [[m.start, m.end, m.label, m.head] for m in self.mentions]
        d["quotes"] = [[q.start, q.end, q.speaker] for q in self.quotes]
        d["roles"] = [[r.stance, r.holder, r.list_start, r.item, [list(p) for p in r.relations]] for r in self.roles]
        return d

    @classmethod
    def from_json(cls, d: dict) -> Chunk:
        d = dict(d)
        d["sentences"] = tuple(Span(a, b) for a, b in d["sentences"])
        d["mentions"] = tuple(Mention(*m) for m in d.get("mentions", ()))
        d["quotes"] = tuple(Quote(*q) for q in d.get("quotes", ()))
        d["roles"] = tuple(Role(*r[:4], tuple(tuple(p) for p in (r[4] if len(r) > 4 else ()))) for r in d.get("roles", ()))
        return cls(**d)


@dataclass(frozen=True)
class MythInfo:
    """What the structure step found about one myth (for reports and the UI)."""

    myth: int | None
    title: str | None
    author: str | None
    affiliation: str | None
    source: str
    missing_sections: tuple[str, ...] = field(default_factory=tuple)
