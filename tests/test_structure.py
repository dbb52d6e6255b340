"""The myth template is recognised in the shipped text; other texts degrade to plain paragraphs."""

from core.types import ABOUT_SECTION, TEMPLATE_SECTIONS, Document
from ingest.structure import parse


def test_shipped_text_structure(seed_text):
    blocks, infos = parse(Document("myth10.txt", "h", seed_text))
    assert len(infos) == 1
    info = infos[0]
    assert info.myth == 10
    assert info.title == "Russia and China are joining forces militarily against the West"
    assert info.author == "Margarete Klein"
    assert (
        info.affiliation
        == "Head of Research Division – Eastern Europe, Eurasia, German Institute for International and Security Affairs (SWP)"
    )
    assert info.missing_sections == ()
    counts = {s: sum(1 for b in blocks if b.section == s) for s in TEMPLATE_SECTIONS}
    assert counts == {
        "What is the myth?": 1,
        "Who advocates or subscribes to it?": 3,
        "Why is it wrong?": 8,
        "What is its impact on policy?": 5,
        "What would good policy look like?": 4,
    }
    for s in TEMPLATE_SECTIONS:
        assert [b.paragraph for b in blocks if b.section == s] == list(range(1, counts[s] + 1))
    standfirst = [b for b in blocks if b.section == "Standfirst"]
    assert seed_text[standfirst[0].start : standfirst[0].end].startswith("An increase in military and security cooperation")


def test_material_before_the_title_is_about_this_series(seed_text):
    blocks, _ = parse(Document("myth10.txt", "h", seed_text))
    about = [b for b in blocks if b.section == ABOUT_SECTION]
    assert all(b.myth is None for b in about)
    texts = [seed_text[b.start : b.end] for b in about]
    assert texts[1] == "Kristin\nVen Bruusgaard\nPostdoctoral fellow/Assistant Professor of Political Science, University of Oslo"
    assert texts[-1] == "This is a live product to which new subsections will be added as they become available."
    # nothing from the series introduction is glued onto a myth section
    assert not any("Chatham House research" in seed_text[b.start : b.end] for b in blocks if b.myth is not None)


def test_text_without_template_becomes_plain_paragraphs():
    text = "Some notes.\nA second line of notes.\n"
    blocks, infos = parse(Document("notes.txt", "h", text))
    assert [(b.myth, b.section, b.paragraph) for b in blocks] == [(None, None, 1), (None, None, 2)]
    assert infos[0].myth is None and infos[0].missing_sections == TEMPLATE_SECTIONS


def test_missing_sections_are_reported():
    text = "Myth 3: ‘A short myth’\nJane\nDoe\nSome Institute\nA standfirst.\nWhat is the myth?\nThe claim.\nWhy is it wrong?\nBecause.\n"
    _, infos = parse(Document("short.txt", "h", text))
    assert infos[0].myth == 3 and infos[0].author == "Jane Doe"
    assert infos[0].missing_sections == (
        "Who advocates or subscribes to it?",
        "What is its impact on policy?",
        "What would good policy look like?",
    )


def test_markdown_headings_and_wrapped_paragraphs():
    text = (
        "# Myth 4: ‘Wrapped’\n\nJohn\nSmith\n\nA Think Tank\n\nThe standfirst.\n\n"
        "## What is the myth?\n\nLine one of a\nwrapped paragraph.\n\nSecond paragraph.\n"
    )
    blocks, infos = parse(Document("m.md", "h", text))
    myth = [b for b in blocks if b.section == "What is the myth?"]
    assert [text[b.start : b.end] for b in myth] == ["Line one of a\nwrapped paragraph.", "Second paragraph."]
    assert infos[0].author == "John Smith"
