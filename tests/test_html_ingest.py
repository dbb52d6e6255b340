"""Saved web pages: the article text is ingested exactly like the plain text, none of the site chrome is."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from core import layout
from core.artifacts import load_index, read_documents
from core.types import TEMPLATE_SECTIONS, Document
from ingest.build import run_ingest
from ingest.chunk import chunk_document
from ingest.html import read_html
from ingest.load import Skipped, SourceFile
from ingest.structure import parse
from tests.conftest import HASH

CANONICAL = "https://www.chathamhouse.org/2022/06/myths-russian-military-power/myth-10"
NO_TEXT = "no article text found in the page (only navigation or boilerplate?)"
# Every piece of site chrome on the test page; none may reach the index.
CHROME = [
    "Skip to main content",
    "Chatham House home",
    "Topics",
    "Regions",
    "Events calendar",
    "About us and our funding",
    "Search the site",
    "We use cookies",
    "Accept all cookies",
    "Manage cookie preferences",
    "Research papers",
    "Myths about Russian military power",
    "Share this article",
    "Twitter",
    "Related articles",
    "what the West got wrong about sanctions",
    "Belt and Road",
    "Sign up to our newsletter",
    "delivered to your inbox",
    "Subscribe",
    "Copyright 2026",
    "Registered charity",
    "Privacy policy",
    "Terms and conditions",
    "dataLayer",
    "UA-TRACKER",
    "font-family",
    "trackConsent",
    "tracking pixel",
]
HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Myth 10 | Chatham House</title>
<link rel="canonical" href="{canonical}"><meta property="og:url" content="https://www.chathamhouse.org/og-only">
<style>body {{ font-family: Georgia, serif }} .cookie-banner {{ position: fixed; bottom: 0 }}</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('config', 'UA-TRACKER');</script>
</head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><a href="/" class="logo">Chatham House home</a>
<nav class="main-nav" aria-label="Main"><ul><li><a href="/topics">Topics</a></li><li><a href="/regions">Regions</a></li>
<li><a href="/events">Events calendar</a></li><li><a href="/about">About us and our funding</a></li></ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search the site"></form></header>
<div class="cookie-banner" id="cookie-consent" role="dialog"><p>We use cookies to improve your experience on our website.
By continuing to browse you agree to our cookie policy.</p><button>Accept all cookies</button>
<a href="/cookies">Manage cookie preferences</a></div>
<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/research">Research papers</a> ›
<span>Myths about Russian military power</span></nav>
"""
TAIL = """<div class="share-tools"><span>Share this article</span><a href="https://twitter.com/share">Twitter</a></div>
</article>
<aside class="related-content"><h2>Related articles</h2><ul>
<li><a href="/a">Russia’s war in Ukraine: what the West got wrong about sanctions</a></li>
<li><a href="/b">China’s Belt and Road initiative after the pandemic years</a></li></ul></aside>
<section class="newsletter"><h3>Sign up to our newsletter</h3>
<p>Get the latest analysis from our experts delivered to your inbox every week.</p>
<form><input type="email"><button>Subscribe</button></form></section>
</main>
<footer class="site-footer"><p>Copyright 2026 The Royal Institute of International Affairs. Registered charity number 208223.</p>
<a href="/privacy">Privacy policy</a> <a href="/terms">Terms and conditions</a></footer>
<script>document.querySelector('.cookie-banner button').onclick = function() { trackConsent('accepted'); };</script>
<noscript><img src="/pixel.gif" alt="tracking pixel"></noscript>
</body></html>
"""


def myth_page(text: str, canonical: str = CANONICAL) -> str:
    """The shipped myth text marked up the way a publisher's page would be, wrapped in site chrome."""
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    lines = text.split("\n")
    t = next(i for i, ln in enumerate(lines) if ln.startswith("Myth 10:"))
    intro, (title, first, last, role, standfirst), body = lines[:t], lines[t : t + 5], lines[t + 5 :]
    bios = [f'<div class="contributor"><p class="contributor__role">{e(intro[0])}</p></div>']
    for given, family, job in (intro[1:4], intro[4:7]):
        bios.append(
            f'<div class="contributor"><div class="contributor__given">{e(given)}</div>'
            f'<div class="contributor__family">{e(family)}</div><p class="contributor__role">{e(job)}</p></div>'
        )
    out = [HEAD.format(canonical=canonical), '<main id="main"><article class="article">', '<section class="series-intro">', *bios]
    out += [f"<p>{e(p)}</p>" for p in intro[7:]] + ["</section>"]
    out.append(f'<header class="article-header"><h1 class="article-title">{e(title)}</h1>')
    out.append(
        f'<div class="byline"><a class="byline__name" href="/people/margarete-klein"><span>{e(first)}</span><br>'
        f'<span>{e(last)}</span></a><p class="byline__role">{e(role)}</p></div>'
    )
    out.append(f'<p class="standfirst"><strong>{e(standfirst)}</strong></p></header><div class="article-body js-social-share">')
    for ln in body:
        if ln in TEMPLATE_SECTIONS:
            out.append(f'<h2 id="{re.sub("[^a-z]+", "-", ln.lower())}">{e(ln)}</h2>')
        else:
            inline = e(ln).replace("de facto", "<em>de facto</em>").replace("Valdai conference", '<a href="/valdai">Valdai conference</a>')
            out.append(f"<p>{inline}</p>")
    return "\n".join(out) + "</div>\n" + TAIL


def _html_doc(page: str, name: str = "myth-10.html") -> Document:
    doc = read_html(SourceFile(name, Path(name), "sha"), page.encode("utf-8"))
    assert isinstance(doc, Document), doc
    return doc


def _view(doc: Document, tokenizer) -> list[tuple]:
    """What retrieval and citations see of a document: each chunk's place, text and sentence texts."""
    chunks = chunk_document(doc, parse(doc)[0], tokenizer)
    return [
        (c.myth, c.title, c.author, c.affiliation, c.section, c.paragraph, c.part, c.text, [doc.text[s.start : s.end] for s in c.sentences])
        for c in chunks
    ]


def test_page_chunks_sections_and_sentences_match_plain_text(seed_text, tokenizer):
    assert not [c for c in CHROME if c in seed_text]  # the chrome strings are distinguishable from the article
    page = myth_page(seed_text)
    assert all(c in page for c in CHROME)
    doc = _html_doc(page)
    plain = Document("myth-10.txt", "sha", seed_text)
    assert _view(doc, tokenizer) == _view(plain, tokenizer)
    assert len(_view(doc, tokenizer)) == 30
    html_infos, plain_infos = parse(doc)[1], parse(plain)[1]
    assert [(i.myth, i.title, i.author, i.affiliation, i.missing_sections) for i in html_infos] == [
        (i.myth, i.title, i.author, i.affiliation, i.missing_sections) for i in plain_infos
    ]
    assert html_infos[0].author == "Margarete Klein" and html_infos[0].missing_sections == ()
    assert not [c for c in CHROME if c in doc.text]
    assert doc.url == CANONICAL
    assert {c.url for c in chunk_document(doc, parse(doc)[0], tokenizer)} == {CANONICAL}


def test_canonical_url_sources():
    def url(head: str) -> str | None:
        page = f"<html><head>{head}</head><body><p>One two three four five six words.</p></body></html>"
        return read_html(SourceFile("p.html", Path("p.html"), "sha"), page.encode()).url

    assert (
        url('<link rel="canonical" href="https://example.org/a"><meta property="og:url" content="https://example.org/b">')
        == "https://example.org/a"
    )
    assert url('<meta property="og:url" content="https://example.org/b">') == "https://example.org/b"
    assert url('<link rel="canonical" href="/a/b"><meta property="og:url" content="https://example.org/x/y">') == "https://example.org/a/b"
    assert url('<link rel="canonical" href="/relative/only">') is None
    assert url('<link rel="stylesheet" href="https://example.org/s.css">') is None


def test_ordinary_article_page_without_myth_template(tokenizer):
    page = (
        '<html><head><link rel="canonical" href="https://example.org/notes"></head><body>'
        '<div class="menu"><a href="/">Home page</a> <a href="/blog">Our blog archive</a></div>'
        '<div class="cookie-notice">We use cookies to improve your experience on our website, please accept them.</div>'
        '<div class="content"><h1>Notes on Arctic security</h1><p>The Arctic has become a theatre of renewed military competition.</p>'
        "<p>Russia's Northern Fleet remains the core of its nuclear deterrent on the Kola Peninsula.</p></div>"
        '<div class="footer">Copyright 2026 Example Org. All rights reserved by the owners.</div></body></html>'
    )
    doc = _html_doc(page, "notes.html")
    assert doc.text.split("\n") == [
        "Notes on Arctic security",
        "The Arctic has become a theatre of renewed military competition.",
        "Russia's Northern Fleet remains the core of its nuclear deterrent on the Kola Peninsula.",
    ]
    assert parse(doc)[1][0].myth is None
    assert doc.url == "https://example.org/notes"


@pytest.fixture
def html_corpus(corpus_dir, seed_text) -> Path:
    (corpus_dir / "myth-10.html").write_text(myth_page(seed_text), encoding="utf-8")
    chrome_only = myth_page(seed_text).split('<main id="main">')[0] + TAIL.split("</article>")[1]
    (corpus_dir / "chrome-only.htm").write_text(chrome_only, encoding="utf-8")
    (corpus_dir / "malformed.html").write_bytes(b'<div class="x"><p>Unclosed <b>tags <table><tr><td>cell</div></span>&&&<<<\xff\xfe')
    (corpus_dir / "junk.html").write_bytes(bytes(range(256)) * 8)
    return corpus_dir


def test_run_ingest_skips_bad_pages_and_publishes_the_good_one(html_corpus, tmp_path):
    index = tmp_path / "index"
    report = run_ingest(html_corpus, index, progress=False, models=(HASH,))
    assert report.exit_code == 1 and report.published
    status = {f.source: (f.status, f.reason) for f in report.files}
    assert status == {
        "chrome-only.htm": ("skipped", NO_TEXT),
        "junk.html": ("skipped", "binary content, not an HTML page"),
        "malformed.html": ("skipped", "not an HTML page (no <html> markup could be parsed)"),
        "myth-10.html": ("added", ""),
    }
    data = load_index(index)
    assert len(data.chunks) == 30 and {c.source for c in data.chunks} == {"myth-10.html"}
    assert {c.url for c in data.chunks} == {CANONICAL}
    assert [(m.myth, m.author) for m in report.myths] == [(10, "Margarete Klein")]
    for chunk in data.chunks:
        assert not [c for c in CHROME if c in chunk.text or c in chunk.embed_text], chunk.text
    (doc,) = read_documents(layout.resolve(index))
    assert doc.url == CANONICAL and not [c for c in CHROME if c in doc.text]


def test_html_reader_never_raises_on_hostile_input():
    sf = SourceFile("x.html", Path("x.html"), "sha")
    pages = [b"<html>" + b"<div>" * 50000 + b"deep", b"<html><body><!-- never closed <p>one two three four five", b"<html></html>"]
    for data in pages:
        result = read_html(sf, data)
        assert isinstance(result, Skipped) and result.reason == NO_TEXT
