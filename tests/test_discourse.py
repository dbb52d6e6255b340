"""Discourse roles found at ingestion: whose view each sentence gives, lists and their items, who acts on whom."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.types import OPENER

TEXT = Path(__file__).parent / "data" / "discourse" / "myth-05.txt"


@pytest.fixture(scope="module")
def roles(hash_model) -> dict[str, object]:
    """Each sentence of the fixture myth with its Role, as ingestion stores them (hash embedder: no model files)."""
    from ingest.annotate import annotate
    from ingest.chunk import chunk_document
    from ingest.load import discover, read_document
    from ingest.structure import parse

    sf = next(s for s in discover(TEXT.parent) if s.source.endswith(TEXT.name))
    doc = read_document(sf)
    blocks, _ = parse(doc)
    chunks = annotate(chunk_document(doc, blocks, hash_model.tokenizer(None)))
    return {c.text[s.start - c.start : s.end - c.start]: r for c in chunks for s, r in zip(c.sentences, c.roles, strict=True)}


def role(roles, start: str):
    return next(r for text, r in roles.items() if text.startswith(start))


def test_whose_view_each_sentence_gives(roles):
    assert role(roles, "Many believe").stance == "myth"  # the "What is the myth?" section states the myth's view
    assert role(roles, "According to this view").stance == "myth"
    assert role(roles, "The Baltic Fleet is smaller").stance == "author"  # the standfirst is the author's thesis
    quoted = role(roles, "‘The Baltic is a Russian lake,’")
    assert (quoted.stance, quoted.holder) == ("reported", "Admiral Pavel Rudnev")
    argued = role(roles, "Some analysts argue")
    assert (argued.stance, argued.holder) == ("reported", "Some analysts")
    assert role(roles, "Western tabloids have adopted the same line.").stance == "reported"
    assert role(roles, "This is misleading").stance == "author"
    assert role(roles, "Most of its corvettes").stance == "author"


def test_lists_their_opener_and_items_in_order(roles):
    opener = role(roles, "This is misleading")
    items = [role(roles, w) for w in ("First,", "Second,", "Third,")]
    assert opener.item == OPENER
    assert [r.item for r in items] == [0, 1, 2]
    assert {r.list_start for r in [opener, *items]} == {opener.list_start} and opener.list_start >= 0
    assert role(roles, "Most of its corvettes").item == -1  # an item's body is no item
    costs = [role(roles, w) for w in ("Believing the myth", "The first is", "Another cost")]
    assert [r.item for r in costs] == [OPENER, 0, 1]
    assert costs[0].list_start != opener.list_start
    inline = role(roles, "Allies should act in three areas")  # a list inside one sentence announces nothing after it
    assert (inline.item, inline.list_start) == (-1, -1)


def test_who_acts_on_whom(roles):
    relations = role(roles, "Third, the fleet is isolated").relations + role(roles, "Finland sells radars").relations
    assert ("Finland", "Estonia") in relations and ("Estonia", "Finland") not in relations
