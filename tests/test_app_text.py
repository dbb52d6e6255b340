"""Pure helpers behind the chat UI: inert Markdown, highlights, corpus-change detection, downloads."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from ingest.load import SourceFile
from qa.types import Answer, AnswerSentence, Passage
from store.turn import Feedback, Turn
from ui.config import from_env
from ui.resources import CorpusChanges, compare_corpus
from ui.text import escape_md, highlight_md, safe_url, shorten
from ui.transcript import md, plain_text, source_label, to_json, to_markdown

INJECTION = "Look <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) :red[no] $x$ &lt; *b*"


def unescape(md: str) -> str:
    return re.sub(r"\\(.)", r"\1", md)


def test_escape_md_escapes_every_special_character_and_round_trips():
    md = escape_md(INJECTION)
    assert unescape(md) == INJECTION
    # every Markdown/HTML-significant character is preceded by a backslash (the input holds no backslash)
    assert re.findall(r"(?<!\\)[<>\[\]()$*:&=/;_]", md) == []
    assert md.startswith(r"Look \<script\>alert\(1\)\<\/script\>")


def test_escape_md_keeps_lines_and_drops_indentation():
    assert escape_md("Margarete\n    Klein") == "Margarete  \nKlein"


def test_highlight_md_wraps_only_the_spans_and_merges_overlaps():
    text = "First one. Second <b>two</b>. Third."
    md = highlight_md(text, [(11, 29), (20, 25)])
    assert md == r"First one\. :orange-background[Second \<b\>two\<\/b\>\.] Third\."


def test_highlight_md_joins_neighbouring_sentences():
    assert highlight_md("A b. C d. E.", [(0, 4), (5, 9)]) == r":orange-background[A b\. C d\.] E\."


def test_highlight_md_splits_a_span_across_lines():
    assert highlight_md("Ada\nLovelace wrote.", [(0, 12)]) == ":orange-background[Ada]  \n:orange-background[Lovelace] wrote\\."


def test_shorten_long_questions_says_how_long_they_were():
    assert shorten("x" * 10_000, 10) == "xxxxxxxxxx… (10,000 characters)"
    assert shorten("  short  ") == "short"


def test_compare_corpus_reports_added_changed_removed_and_ignores_unchanged_skips():
    files = {
        "a.txt": {"sha256": "1"},
        "b.txt": {"sha256": "2"},
        "gone.txt": {"sha256": "3"},
        "bad.pdf": {"sha256": "4", "skip": "PDF has no text layer"},
        "x.doc": {"sha256": None, "skip": "unsupported file type '.doc' (use .txt, .md, .pdf, .html)"},
    }
    found = [
        SourceFile("a.txt", Path("a.txt"), "1"),
        SourceFile("b.txt", Path("b.txt"), "22"),
        SourceFile("new.md", Path("new.md"), "5"),
        SourceFile("bad.pdf", Path("bad.pdf"), "4"),
        SourceFile("x.doc", Path("x.doc"), skip="unsupported file type '.doc' (use .txt, .md, .pdf, .html)"),
    ]
    changes = compare_corpus(found, files)
    assert changes == CorpusChanges(added=("new.md",), changed=("b.txt",), removed=("gone.txt",))
    assert changes.summary() == "1 added, 1 changed, 1 removed"
    assert not compare_corpus(found[:1], {"a.txt": {"sha256": "1"}})


def test_settings_default_beside_the_index(tmp_path):
    s = from_env({"MYTHQA_INDEX": str(tmp_path / "idx")})
    assert (s.index, s.corpus, s.feedback_db) == (tmp_path / "idx", Path("corpus"), tmp_path / "feedback.sqlite3")
    assert s.conversations_db == tmp_path / "conversations.sqlite3"
    s = from_env({"MYTHQA_INDEX": "i", "MYTHQA_CORPUS": "c", "MYTHQA_FEEDBACK_DB": str(tmp_path / "f.db")})
    assert (s.index, s.corpus, s.feedback_db, s.conversations_db) == (
        Path("i"),
        Path("c"),
        tmp_path / "f.db",
        tmp_path / "conversations.sqlite3",
    )
    s = from_env({"MYTHQA_CONVERSATIONS_DB": str(tmp_path / "talk.db")})
    assert s.conversations_db == tmp_path / "talk.db"


LABELS = ["Myth 10 · Why is it wrong? · ¶3", "Myth 10 · What is the myth? · ¶1 · p. 4 · m.pdf"]


def _passage(rank, section, paragraph, text, page=None, source="m.txt", url=None):
    return Passage(rank, 0.5 / rank, text, rank + 10, 10, "T", "A", section, paragraph, source, page, url)


def _turn(question="Did China help?", first="Intro. China did not help.", **kw):
    p1 = _passage(1, "Why is it wrong?", 3, first)
    p2 = _passage(2, "What is the myth?", 1, "Some say so.", page=4, source="m.pdf")
    start = first.index("China did not help.")
    answer = Answer(question, True, "", (AnswerSentence("China did not help.", 0, start, start + 19, 0.9),), (p1, p2))
    return Turn("t1", answer, "v1", 12.0, **kw)


def test_source_label_adds_the_file_for_pdfs():
    t = _turn()
    assert [source_label(p) for p in t.answer.passages] == [
        "Myth 10 · Why is it wrong? · ¶3",
        "Myth 10 · What is the myth? · ¶1 · p. 4 · m.pdf",
    ]


def test_downloads_carry_every_citation_and_the_vote():
    t = _turn()
    doc = json.loads(to_json([t], {"t1": Feedback("right", "spot on")}))
    (row,) = doc["turns"]
    assert row["answer"] == [{"text": "China did not help.", "passage": 0, "citation": "Myth 10 · Why is it wrong? · ¶3"}]
    assert [p["citation"] for p in row["passages"]] == [
        "Myth 10 · Why is it wrong? · ¶3",
        "Myth 10 · What is the myth? · ¶1 · p. 4 · m.pdf",
    ]
    assert (row["feedback"], row["comment"], row["index_version"], row["question"]) == ("right", "spot on", "v1", "Did China help?")
    assert row["filters"] == {"myth": None, "section": None, "k": 5}
    text = to_markdown([t], {"t1": Feedback("right", "spot on")})
    assert "## 1. Did China help?\n\n> China did not help. [1]\n\nFilter: none.\n\nSources:\n\n" in text
    assert "1. Myth 10 · Why is it wrong? · ¶3 — m.txt (score 0.500)\n   > Intro. China did not help.\n" in text
    assert "2. Myth 10 · What is the myth? · ¶1 · p. 4 — m.pdf (score 0.250)\n" in text
    assert "Feedback: Right answer. Comment: “spot on”" in text


def test_markdown_export_escapes_corpus_and_user_text_and_records_the_filter():
    bad = "<script>alert(1)</script> [x](javascript:alert(1)) **b** `c` ![i](x.png) | t | ~s~ $m$ &lt;"
    t = _turn(question=f"Why? {bad}", first=f"{bad} China did not help.", myth=10, section="Why is it wrong?")
    text = to_markdown([t], {"t1": Feedback("wrong", f"see {bad}")})
    assert not re.search(r"(?<!\\)<script|(?<!\\)\]\(javascript|(?<!\\)!(?<!\\)\[|(?<!\\)\*\*", text)
    assert re.findall(r"(?<!\\)[<>\[\]`*|~$&!]", md(bad)) == []  # every special character escaped
    assert f"## 1. Why? {md(bad)}" in text and unescape(md(bad)) == bad  # the reader sees the text as written
    assert f"   > {md(bad)} China did not help." in text
    assert "Filter: Myth 10 · Why is it wrong?." in text
    assert f"Feedback: Wrong. Comment: “see {md(bad)}”" in text
    assert md("1. not a list") == "1\\. not a list" and md("- not a bullet") == "\\- not a bullet"


def test_safe_url_keeps_only_web_links_and_encodes_link_breakers():
    assert safe_url("https://example.org/a (b)") is None  # spaces: not a URL as given
    assert safe_url("https://example.org/a(b)[c]") == "https://example.org/a%28b%29%5Bc%5D"
    assert [safe_url(u) for u in ("javascript:alert(1)", "data:text/html,x", "ftp://x", "", None)] == [None] * 5


def test_plain_text_copy_names_each_cited_source_and_its_page():
    t = _turn()
    first = replace(t.answer.passages[0], url="https://e.org/m", publisher="Pub", published="2022")
    t = replace(t, answer=replace(t.answer, passages=(first, *t.answer.passages[1:])))
    assert plain_text(t, "http://127.0.0.1:8501/?q=x").splitlines() == [
        "Q: Did China help?",
        "China did not help. [1]",
        "",
        "Sources:",
        "[1] Myth 10 · Why is it wrong? · ¶3 — A, ‘T’, Pub, 2022 — https://e.org/m",
        "Link: http://127.0.0.1:8501/?q=x",
    ]
