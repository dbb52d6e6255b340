"""Read a saved web page into a Document: the article's text, one line per block, and its canonical URL.

Why not trafilatura alone: it is the best-kept main-text extractor here (lxml-based, robust to broken
markup) and is used for ordinary pages, but like every boilerplate remover (readability, jusText) it is
built to drop bylines, author blocks, short lines and link-only text. On the shipped myth's page it drops the
authors' first names, surnames and the whole byline in default, recall and precision modes, and those
lines are the myth template's author and affiliation. So a page whose article holds a myth title line is
read by a template-aware walk of its main/article element, after pruning chrome by tag, ARIA role and
class/id (navigation, site header and footer, asides, forms, dialogs, cookie, related, share and
newsletter blocks, scripts, styles, hidden elements); pages without a myth title go to trafilatura
(after the same pruning). lxml, via trafilatura's ``load_html``, parses and decodes both.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlparse

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from core.types import Document
from ingest.filetypes import Skipped, SourceFile
from ingest.structure import heading_of, title_starts

# trafilatura logs every page it rejects at ERROR; the skip reason we report says the same once
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

_DROP_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "map"}
_DROP_TAGS |= {"nav", "aside", "form", "button", "input", "select", "textarea", "label", "dialog", "menu", "footer"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"}
_CHROME_NAME = re.compile(
    r"(?:cookie|consent|gdpr|newsletter|subscribe|signup|related|share|sharing|social|breadcrumb|promo|advert|sponsor|comment|popup"
    r"|modal|paywall|skip-?link|sr-only|visually-?hidden|screen-?reader|site-?header|site-?footer)s?",
    re.IGNORECASE,
)
_CONTENT_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "blockquote"}
_KEEP_TAGS = {"html", "body", "main", "article"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "header", "blockquote", "pre", "li", "ul", "ol", "dl", "dt", "dd"}
_BLOCK_TAGS |= {"h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "figure", "figcaption", "address", "hr", "body"}


def read_html(sf: SourceFile, data: bytes) -> Document | Skipped:
    """Extract a saved page's article text; skip (with a reason) pages that hold none or cannot be parsed."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a BOM ("Unicode" in some Save As dialogs)
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    if b"\x00" in data[:65536]:
        return Skipped(sf.source, "binary content, not an HTML page")
    try:
        tree = load_html(data)
        if tree is None:
            return Skipped(sf.source, "not an HTML page (no <html> markup could be parsed)")
        url = canonical_url(tree)
        _prune(tree)
        lines = _template_lines(tree)
        if lines is None:
            text = trafilatura.extract(tree, output_format="txt", include_comments=False, include_formatting=False, include_links=False)
            lines = [" ".join(ln.split()) for ln in (text or "").split("\n")]
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as e:
        return Skipped(sf.source, f"malformed HTML page ({type(e).__name__}: {str(e)[:120]})")
    lines = [ln for ln in lines if ln]
    if not any(len(ln.split()) >= 5 for ln in lines):
        return Skipped(sf.source, "no article text found in the page (only navigation or boilerplate?)")
    return Document(sf.source, sf.sha256, "\n".join(lines), encoding="html", url=url)


def canonical_url(tree) -> str | None:
    """The page's canonical URL: ``<link rel="canonical">``, else ``og:url``; absolute http(s) only."""
    og = next((m.get("content", "").strip() for m in tree.iter("meta") if m.get("property", "").lower() == "og:url"), "")
    for link in tree.iter("link"):
        if "canonical" in link.get("rel", "").lower().split() and link.get("href", "").strip():
            href = urljoin(og, link.get("href").strip()) if og else link.get("href").strip()
            if _absolute(href):
                return href
    return og if _absolute(og) else None


def _absolute(url: str) -> bool:
    parts = urlparse(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_chrome(el) -> bool:
    if el.tag in _DROP_TAGS:
        return True
    if el.tag in _KEEP_TAGS or _holds_template(el):
        return False  # a stray class such as "js-social-share" must not take the article with it
    if el.tag == "header" and not any(a.tag in ("article", "main") for a in el.iterancestors()):
        return True  # the site header; an article's own header holds its title and byline
    if el.get("role", "").lower() in _CHROME_ROLES or el.get("hidden") is not None or el.get("aria-hidden", "").lower() == "true":
        return True
    if re.search(r"display\s*:\s*none", el.get("style", "")):
        return True
    if el.tag in _CONTENT_TAGS:
        return False  # CMSs derive ids from heading text ("who-advocates-or-subscribes-to-it")
    ids = re.split(r"[^a-z]+", el.get("id", "").lower())
    return bool(_CHROME_NAME.search(el.get("class", ""))) or any(_CHROME_NAME.fullmatch(part) for part in ids)


def _holds_template(el) -> bool:
    """An element holding the page's h1 or a myth template heading is content, whatever its class says."""
    return any(h.tag == "h1" or heading_of(h.text_content()) for h in el.iter("h1", "h2", "h3", "h4", "h5", "h6"))


def _prune(tree) -> None:
    """Remove chrome in place (keeping each removed element's tail text, which belongs to its parent)."""
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in list(tree.iter("head")):
        el.drop_tree()
    doomed = [el for el in tree.iter() if isinstance(el.tag, str) and _is_chrome(el)]
    for el in reversed(doomed):  # innermost first, so an outer drop never orphans an inner one
        el.drop_tree()


def _template_lines(tree) -> list[str] | None:
    """Lines of the element holding the page's myth title lines, or None when the page has none."""
    body = tree if tree.tag == "body" else tree.find("body")
    if body is None:
        return None
    lines, owners = _flatten(body)
    starts, pos = {}, 0
    for i, ln in enumerate(lines):
        starts[pos] = i
        pos += len(ln) + 1
    titled = [owners[starts[offset]] for offset in title_starts("\n".join(lines))]
    if not titled:
        return None
    for root in tree.xpath("//main | //*[@role='main'] | //article[not(ancestor::article)]"):
        if all(root is el or root in el.iterancestors() for el in titled):
            return _flatten(root)[0]
    return lines


def _flatten(root) -> tuple[list[str], list]:
    """One line per block element (``<br>`` also breaks), white space collapsed; with each line's element."""
    lines, owners, current, owner = [], [], [], [root]

    def flush():
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
            owners.append(owner[-1])
        current.clear()

    for event, el in etree.iterwalk(root, events=("start", "end")):
        block = el.tag in _BLOCK_TAGS
        if event == "start":
            if block or el.tag == "br":
                flush()
            if block:
                owner.append(el)
            current.append((" " if el.tag in ("td", "th") else "") + (el.text or ""))
        else:
            if block:
                flush()
                owner.pop()
            if el is not root:
                current.append(el.tail or "")
    flush()
    return lines, owners
