"""Chunks fit the encoder window, keep sentence boundaries, and quote the source exactly."""

from core.types import Document
from ingest.chunk import chunk_document, split_sentences
from ingest.structure import parse


def _chunks(text, tokenizer, source="t.txt"):
    doc = Document(source, "h", text)
    return doc, chunk_document(doc, parse(doc)[0], tokenizer)


def test_shipped_chunks_fit_and_quote_exactly(seed_text, tokenizer):
    doc, chunks = _chunks(seed_text, tokenizer)
    assert len(chunks) == 30
    assert sum(len(c.sentences) for c in chunks) == 79
    for c in chunks:
        assert len(tokenizer.encode(c.embed_text).ids) <= 256
        assert doc.text[c.start : c.end] == c.text
        for s in c.sentences:
            assert c.start <= s.start < s.end <= c.end
            assert doc.text[s.start : s.end] == doc.text[s.start : s.end].strip()


def test_context_names_myth_and_section(seed_text, tokenizer):
    _, chunks = _chunks(seed_text, tokenizer)
    wrong = [c for c in chunks if c.section == "Why is it wrong?"]
    assert wrong[2].context == "Myth 10: ‘Russia and China are joining forces militarily against the West’ — Why is it wrong?"
    assert wrong[2].embed_text.startswith(wrong[2].context + "\n")
    assert wrong[2].paragraph == 3


def test_long_paragraph_is_split_at_sentences_without_loss(tokenizer):
    sentence = "Russia and China have held joint exercises in the Pacific for many years now. "
    text = "Myth 1: ‘Long’\nWhat is the myth?\n" + sentence * 60
    _, chunks = _chunks(text, tokenizer)
    parts = [c for c in chunks if c.section == "What is the myth?"]
    assert len(parts) > 1
    assert [c.part for c in parts] == list(range(1, len(parts) + 1))
    assert all(c.paragraph == 1 for c in parts)
    assert all(len(tokenizer.encode(c.embed_text).ids) <= 256 for c in parts)
    assert sum(len(c.sentences) for c in parts) == 60  # every sentence kept, none cut


def test_overlong_sentence_is_split_at_words_never_truncated(tokenizer):
    words = " ".join(f"word{i}" for i in range(700))
    _, chunks = _chunks(words, tokenizer)
    assert all(len(tokenizer.encode(c.embed_text).ids) <= 256 for c in chunks)
    rebuilt = " ".join(c.text for c in chunks)
    assert rebuilt.split() == words.split()


def test_sentence_spans_are_exact_offsets():
    text = "  First one. Second one?  Third!\n"
    spans = split_sentences(text, base=100)
    assert [(s.start - 100, s.end - 100) for s in spans] == [(2, 12), (13, 24), (26, 32)]
