"""One document holding several myths: each is split out with its own number, title, author, sections and pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.artifacts import load_index
from core.types import AUTHOR_SECTION, STANDFIRST_SECTION, TEMPLATE_SECTIONS, Document
from ingest.build import run_ingest
from ingest.load import SourceFile, read_document
from ingest.structure import TITLE_SECTION, parse
from tests.helpers_pdf import write_pdf

MYTHS = [
    dict(
        number=3,
        title="Russia’s navy can close the Baltic Sea at will",
        names=("Erik", "Lindqvist"),
        affiliation="Senior Fellow, Nordic Institute for Maritime Studies",
        standfirst="Geography and NATO enlargement have turned the Baltic into a sea that Russia cannot control on its own.",
        sections=[
            ["Commentators often claim that the Baltic Fleet could seal off the Baltic Sea within hours of a crisis."],
            [
                "The claim is repeated by Russian admirals on state television.",
                "Some Western tabloids amplify it with maps of submarine patrol routes.",
            ],
            [
                "Since Finland and Sweden joined NATO, almost the whole Baltic coastline belongs to the alliance.",
                "The Baltic Fleet is small, old and bottled up in Kaliningrad and Kronstadt.",
            ],
            ["Overstating the fleet leads planners to neglect mine countermeasures and port defence."],
            ["Allies should invest in minehunters and in shared maritime surveillance of the Gulf of Finland."],
        ],
    ),
    dict(
        number=7,
        title="Sanctions have had no effect on Russian arms production",
        names=("Amara", "Okafor"),
        affiliation="Research Director, Centre for Economic Security, University of Leeds",
        standfirst="Export controls have not stopped the factories, but they have made every missile slower and dearer to build.",
        sections=[
            ["The myth holds that Russian defence plants work at full speed as if no export controls existed."],
            ["It is popular with critics of sanctions policy who point to rising shell output."],
            [
                "Russian manufacturers now pay intermediaries in third countries large premiums for machine tools.",
                "Microelectronics arrive late and in uneven quality, which slows the assembly of cruise missiles.",
            ],
            ["Believing sanctions are useless invites governments to relax enforcement against smuggling networks."],
            [
                "Enforcement should target the trading hubs that re-export machine tools and chips.",
                "Penalties for banks that finance these shipments should be applied consistently.",
            ],
        ],
    ),
    dict(
        number=12,
        # long enough to wrap over two lines in the PDF
        title="Russia’s refurbished Arctic bases have made it the dominant military power across the whole polar region",
        names=("Hannah", "de Vries"),
        affiliation="Research Associate, Polar Security Programme, Leiden Institute",
        standfirst="A string of refurbished airfields gives Moscow presence in the High North, not dominance over it.",
        sections=[
            ["The myth says that new runways and radar stations give Russia command of the entire Arctic Ocean."],
            ["Kremlin media celebrate each reopened Soviet airfield as proof of polar supremacy."],
            ["Many of the bases hold only a few aircraft and depend on supply ships that ice can delay for weeks."],
            ["Treating the bases as dominance may push allies into costly symmetric build-ups on Svalbard."],
            ["Good policy pairs patient surveillance with cooperation on search and rescue across the polar region."],
        ],
    ),
]


def myth_lines(m: dict, numbered: bool = False) -> list[str]:
    """One myth in the template: title line (``Myth N: ‘…’`` or ``0N ‘…’``), name lines, affiliation, standfirst, sections."""
    title = f"{m['number']:02d} ‘{m['title']}’" if numbered else f"Myth {m['number']}: ‘{m['title']}’"
    lines = [title, *m["names"], m["affiliation"], m["standfirst"]]
    for heading, paragraphs in zip(TEMPLATE_SECTIONS, m["sections"], strict=True):
        lines += [heading, *paragraphs]
    return lines


def expected_infos() -> list[tuple]:
    return [(m["number"], m["title"], " ".join(m["names"]), m["affiliation"], ()) for m in MYTHS]


def expected_paragraphs() -> dict[tuple[int, str, int], str]:
    """(myth, section, paragraph number) -> paragraph text, for every paragraph of every myth."""
    out = {}
    for m in MYTHS:
        out[(m["number"], STANDFIRST_SECTION, 1)] = m["standfirst"]
        for heading, paragraphs in zip(TEMPLATE_SECTIONS, m["sections"], strict=True):
            for n, text in enumerate(paragraphs, 1):
                out[(m["number"], heading, n)] = text
    return out


def _infos(doc: Document) -> list[tuple]:
    return [(i.myth, i.title, i.author, i.affiliation, i.missing_sections) for i in parse(doc)[1]]


def _paragraphs(doc: Document) -> dict[tuple[int, str, int], str]:
    skip = {TITLE_SECTION, AUTHOR_SECTION}
    return {(b.myth, b.section, b.paragraph): " ".join(doc.text[b.start : b.end].split()) for b in parse(doc)[0] if b.section not in skip}


@pytest.mark.parametrize("numbered", [False, True], ids=["myth-n-titles", "numbered-headings"])
def test_text_with_three_myths_is_split_per_myth(numbered):
    text = "\n".join(line for m in MYTHS for line in myth_lines(m, numbered)) + "\n"
    doc = Document("three.txt", "sha", text)
    assert _infos(doc) == expected_infos()
    assert _paragraphs(doc) == expected_paragraphs()


def test_markdown_with_three_myths_and_blank_lines():
    def md(m):
        lines = myth_lines(m)
        return "\n\n".join(f"## {ln}" if ln in TEMPLATE_SECTIONS else f"# {ln}" if ln == lines[0] else ln for ln in lines)

    doc = Document("three.md", "sha", "\n\n".join(md(m) for m in MYTHS) + "\n")
    assert _infos(doc) == expected_infos()
    assert _paragraphs(doc) == expected_paragraphs()


def test_lines_that_only_look_like_titles_do_not_split_a_myth():
    m = MYTHS[0]
    lines = myth_lines(m)
    at = lines.index("Why is it wrong?") + 1
    lookalikes = [
        "12 ‘no limits’",  # a numbered quotation followed by prose, not by an author
        "The phrase was repeated at every summit that year.",
        "Myth 4: the idea that the fleet is obsolete is also common.",
        "Myth 5 - an unquoted aside in the text",
        "An ordinary closing sentence.",
    ]
    doc = Document("lookalike.txt", "sha", "\n".join(lines[:at] + lookalikes + lines[at:]) + "\n")
    blocks, infos = parse(doc)
    assert [(i.myth, i.author, i.missing_sections) for i in infos] == [(3, "Erik Lindqvist", ())]
    wrong = [doc.text[b.start : b.end] for b in blocks if b.section == "Why is it wrong?"]
    assert wrong == lookalikes + m["sections"][2]


def test_numbered_heading_with_number_on_its_own_line_and_co_authors():
    text = (
        "Intro to the series.\n\n04\n‘Russia’s drones outclass everyone’\nDr Ana Pereira and Tom Hughes\nDrone Lab\n"
        "Short standfirst.\nWhat is the myth?\nThe claim.\n"
    )
    _, infos = parse(Document("n.txt", "sha", text))
    assert [(i.myth, i.title, i.author, i.affiliation) for i in infos] == [
        (4, "Russia’s drones outclass everyone", "Dr Ana Pereira and Tom Hughes", "Drone Lab")
    ]


def _tight_pdf(path: Path, pages: list[list[str]]) -> Path:
    """Like tests.helpers_pdf.write_pdf but with no space between paragraphs, so only line widths tell them apart."""
    import matplotlib
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"))
    pdf.set_font("dejavu", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for para in paragraphs:
            pdf.multi_cell(0, 6, para, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@pytest.mark.parametrize("numbered", [False, True], ids=["myth-n-titles", "numbered-headings"])
def test_tight_pdf_keeps_titles_authors_and_standfirsts(tmp_path, numbered):
    path = _tight_pdf(tmp_path / "tight.pdf", [myth_lines(m, numbered) for m in MYTHS])
    doc = read_document(SourceFile("tight.pdf", path, "sha"))
    assert isinstance(doc, Document), doc
    assert _infos(doc) == expected_infos()
    blocks = parse(doc)[0]
    standfirsts = {
        b.myth: (" ".join(doc.text[b.start : b.end].split()), doc.page_at(b.start)) for b in blocks if b.section == STANDFIRST_SECTION
    }
    assert standfirsts == {m["number"]: (m["standfirst"], page) for page, m in enumerate(MYTHS, 1)}


@pytest.fixture(scope="module")
def multi_index(tmp_path_factory, encoder) -> Path:
    """An index of the three myths as one .txt and as one PDF (myth 12 spanning pages 3 and 4)."""
    corpus = tmp_path_factory.mktemp("multi") / "corpus"
    corpus.mkdir()
    (corpus / "three-myths.txt").write_text("\n".join(line for m in MYTHS for line in myth_lines(m)) + "\n", encoding="utf-8")
    last = myth_lines(MYTHS[2])
    split = last.index("Why is it wrong?")
    write_pdf(corpus / "three-myths.pdf", [myth_lines(MYTHS[0]), myth_lines(MYTHS[1]), last[:split], last[split:]])
    index = corpus.parent / "index"
    report = run_ingest(corpus, index, progress=False, encoders={"minilm": encoder})
    assert report.exit_code == 0, report.files
    assert sorted((m.source, m.myth, m.author) for m in report.myths) == sorted(
        (src, m["number"], " ".join(m["names"])) for src in ("three-myths.pdf", "three-myths.txt") for m in MYTHS
    )
    return index


def test_ingested_chunks_carry_their_own_myth_and_page(multi_index):
    chunks = load_index(multi_index).chunks
    by_number = {m["number"]: m for m in MYTHS}
    pages = {3: {1}, 7: {2}, 12: {3, 4}}
    for source in ("three-myths.txt", "three-myths.pdf"):
        mine = [c for c in chunks if c.source == source]
        assert {c.myth for c in mine} == {3, 7, 12}
        for c in mine:
            m = by_number[c.myth]
            assert (c.title, c.author, c.affiliation) == (m["title"], " ".join(m["names"]), m["affiliation"])
            assert c.context.startswith(f"Myth {c.myth}: ‘{m['title']}’")
        got = {(c.myth, c.section, c.paragraph): " ".join(c.text.split()) for c in mine if c.section not in (TITLE_SECTION, AUTHOR_SECTION)}
        assert got == expected_paragraphs()
    pdf = [c for c in chunks if c.source == "three-myths.pdf"]
    assert {c.myth: set() for c in pdf} == {n: set() for n in pages}
    assert {n: {c.page for c in pdf if c.myth == n} for n in pages} == pages
    wrong_12 = next(c for c in pdf if c.myth == 12 and c.section == "Why is it wrong?")
    assert wrong_12.page == 4 and wrong_12.text.startswith("Many of the bases")
    assert all(c.page is None for c in chunks if c.source == "three-myths.txt")


@pytest.fixture(scope="module")
def multi_engine(multi_index, encoder):
    from qa.engine import Engine  # the read path, loaded over the three-myth index

    return Engine.load(multi_index, encoders={"minilm": encoder})


@pytest.mark.parametrize(
    ("question", "myth", "page"),
    [
        ("Could the Baltic Fleet seal off the Baltic Sea within hours of a crisis?", 3, 1),
        ("Why do Russian manufacturers pay intermediaries premiums for machine tools?", 7, 2),
        ("How many aircraft do the Arctic bases hold, and what delays their supply ships?", 12, 4),
        ("Which trading hubs and banks should enforcement target?", 7, 2),
    ],
)
def test_questions_are_answered_from_the_right_myth_and_page(multi_engine, question, myth, page):
    answer = multi_engine.ask(question)
    assert answer.answered, answer.message
    assert answer.passages[0].myth == myth
    assert {answer.passages[s.passage].myth for s in answer.sentences} == {myth}
    cited_pdf = next(p for p in answer.passages if p.source == "three-myths.pdf")
    assert (cited_pdf.myth, cited_pdf.page) == (myth, page)


def test_web_page_with_three_myth_articles():
    import html

    from ingest.html import read_html

    def article(m):
        title, first, last, affiliation, standfirst, *rest = myth_lines(m)
        out = [
            f"<h2>{html.escape(title)}</h2>",
            f'<p class="byline">{first}<br>{last}</p>',
            f"<p>{affiliation}</p>",
            f"<p><b>{standfirst}</b></p>",
        ]
        out += [f"<h3>{ln}</h3>" if ln in TEMPLATE_SECTIONS else f"<p>{html.escape(ln)}</p>" for ln in rest]
        return '<article class="myth">' + "".join(out) + '<div class="share-bar">Share on Twitter</div></article>'

    page = (
        '<html><head><link rel="canonical" href="https://example.org/report"></head><body><nav><a href="/">Home</a></nav>'
        f"<main>{''.join(article(m) for m in MYTHS)}</main><footer>Copyright 2026 Example</footer></body></html>"
    )
    doc = read_html(SourceFile("report.html", Path("report.html"), "sha"), page.encode("utf-8"))
    assert isinstance(doc, Document) and doc.url == "https://example.org/report"
    assert _infos(doc) == expected_infos()
    assert _paragraphs(doc) == expected_paragraphs()
    assert not any(word in doc.text for word in ("Share on Twitter", "Home", "Copyright"))
