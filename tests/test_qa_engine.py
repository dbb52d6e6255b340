"""The read path end to end on the shipped index: answers, citations, filters, abstention, bad input, mismatch."""

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from core import layout
from core.compat import IndexFormatError
from qa.engine import Engine


@pytest.fixture(scope="module")
def engine(shipped_index, encoder):
    return Engine.load(shipped_index, encoders={"minilm": encoder})


def _check_verbatim(answer, seed_text):
    for s in answer.sentences:
        passage = answer.passages[s.passage]
        assert passage.text[s.start : s.end] == s.text
        assert s.text in seed_text


def test_factoid_answer_is_verbatim_and_cited(engine, seed_text):
    a = engine.ask("Which drone company stopped selling to Russia?")
    assert a.answered and a.message == ""
    assert "DJI halted all sales to Russia" in a.sentences[0].text
    assert 1 <= len(a.sentences) <= 3
    top = a.passages[a.sentences[0].passage]
    assert (top.myth, top.section, top.author) == (10, "Why is it wrong?", "Margarete Klein")
    assert top.source == "myth-10-russia-and-china-joining-forces.txt" and top.page is None and top.paragraph == 4
    assert [p.rank for p in a.passages] == [1, 2, 3, 4, 5]
    assert all(a.passages[i].score >= a.passages[i + 1].score for i in range(4))
    _check_verbatim(a, seed_text)


def test_section_intent_finds_the_section(engine):
    assert engine.ask("Who wrote this myth?").passages[0].section == "Author"
    assert engine.ask("Who promotes this myth?").passages[0].section == "Who advocates or subscribes to it?"
    assert engine.ask("What would good policy look like?").passages[0].section == "What would good policy look like?"


def test_out_of_scope_abstains_but_lists_passages(engine):
    for q in ("How do I bake sourdough bread?", "Who painted the Mona Lisa?", "What is the capital of France?"):
        a = engine.ask(q, k=3)
        assert not a.answered and a.sentences == ()
        assert len(a.passages) == 3
    assert "do not seem to answer" in engine.ask("How do I bake sourdough bread?").message
    # A name the texts never use says so, whatever the rest of the question matches.
    a = engine.ask("What is the capital of France?")
    assert a.message.startswith("The texts never mention “France”, so they cannot answer this. The closest passages")
    a = engine.ask("When did Finland and Sweden apply to join NATO?")
    assert not a.answered and a.message.startswith("The texts never mention “Finland” or “Sweden”, so")
    assert engine.ask("Do Moscow and Beijing weigh up confrontation with America in the same way?").answered  # alias of "US"
    assert engine.ask("How did China vote on suspending Russia from the UN human rights body?").answered  # acronym


def test_filters(engine):
    a = engine.ask("Is China helping Russia?", section="why is it wrong")
    assert a.answered and {p.section for p in a.passages} == {"Why is it wrong?"}
    assert engine.ask("Is China helping Russia?", myth=10).answered
    a = engine.ask("Is China helping Russia?", myth=99)
    assert not a.answered and "no Myth 99" in a.message and a.passages == ()
    assert engine.ask("Is China helping Russia?", myth="10").answered
    assert "must be a number" in engine.ask("Is China helping Russia?", myth="ten").message
    a = engine.ask("Is China helping Russia?", section="Conclusions")
    assert not a.answered and "Why is it wrong?" in a.message
    assert len(engine.ask("Who wrote this myth?", k=1).passages) == 1
    assert len(engine.ask("Who wrote this myth?", k=0).passages) == 1


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", None])
def test_empty_questions(engine, question):
    a = engine.ask(question)
    assert not a.answered and a.sentences == () and a.passages == ()
    assert "Please type a question" in a.message


def test_very_long_question_is_truncated_with_a_notice(engine, seed_text):
    q = "Some pasted context. " + "word " * 2000 + "So which drone company stopped selling to Russia?"
    assert len(q) > 10_000
    a = engine.ask(q)  # the end is kept: that is where a long message asks its question
    assert f"Your question is {len(q):,} characters long; only its last 253 words were used." in a.message
    assert a.answered and "DJI" in a.sentences[0].text
    _check_verbatim(a, seed_text)
    a = engine.ask("x " * 2_000)
    assert "2,000 words long; only its last 254 words were used" in a.message
    assert isinstance(engine.ask("x" * 10_000).answered, bool)  # one 10,000-letter "word": the tokenizer's [UNK]


@pytest.mark.parametrize(
    "question",
    [
        "🙂🙂🙂",
        "Who \x00promotes\x07 the\x1b myth?\u200b",
        "Кто продвигает этот миф?",
        "谁在宣传这个神话？",
        "¿Por qué es falso el mito?",
        "\ud800 broken",
    ],
)
def test_odd_questions_do_not_crash(engine, question):
    a = engine.ask(question)
    assert isinstance(a.answered, bool)
    json.dumps(a.to_json(), ensure_ascii=False)


def test_control_characters_are_ignored(engine):
    clean = engine.ask("Who promotes the myth?")
    dirty = engine.ask("Who \x00promotes\x07 the\x1b myth?\u200b")
    assert [s.text for s in dirty.sentences] == [s.text for s in clean.sentences]


def test_concurrent_asks_match_sequential(engine):
    questions = [
        "Who wrote this myth?",
        "Which drone company stopped selling to Russia?",
        "What is the capital of France?",
        "Why is it wrong?",
    ] * 3
    sequential = [engine.ask(q).to_json() for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda q: engine.ask(q).to_json(), questions))
    assert parallel == sequential


def test_fast_query_encoding_equals_sentence_transformers(model_dir, encoder):
    from core.spec import MINILM
    from qa.encode import QueryEncoder

    torch_path = QueryEncoder(encoder, MINILM, model_dir, cache_size=0)
    assert torch_path._fast  # the direct module path, not the encode() fallback
    for q in ("Who promotes the myth?", "DJI"):
        ref = encoder.encode([q], normalize_embeddings=True, convert_to_numpy=True)[0]
        assert np.allclose(torch_path.embed(q), ref, atol=1e-5)


def _copy_with_manifest(src, dst, edit):
    shutil.copytree(src, dst)
    vdir = layout.resolve(dst)
    manifest = layout.read_manifest(vdir)
    edit(manifest)
    layout.write_json(vdir / layout.MANIFEST, manifest)
    return dst


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda m: m["models"]["minilm"]["spec"]["files"].update({"model.safetensors": "0" * 64}), "differs in files"),
        (lambda m: m["models"]["minilm"]["spec"].update({"dimension": 768}), "differs in dimension"),
        (lambda m: m["models"]["minilm"]["spec"]["recipes"].update({"chunk": "other/2"}), "differs in recipes"),
        (lambda m: m.update({"models": {"other": m["models"]["minilm"]}}), "model “other” is not known here"),
        (lambda m: m.update({"format_version": 999}), "format version"),
    ],
)
def test_mismatched_index_is_refused(shipped_index, encoder, tmp_path, edit, words):
    index = _copy_with_manifest(shipped_index, tmp_path / "index", edit)
    with pytest.raises(IndexFormatError) as err:
        Engine.load(index, encoders={"minilm": encoder})
    assert words in str(err.value) and "python -m ingest --full" in str(err.value)


def test_version_and_index(engine):
    assert engine.version == engine.index.manifest["version"]
    assert len(engine.index.chunks) == 30


def test_term_max_matches_bm25s_scores(engine):
    from qa.retrieve import term_max

    for bm25 in (engine.index.bm25_chunks, engine.index.bm25_sentences):
        best = term_max(bm25)
        for term, i in bm25.vocab_dict.items():
            if term:
                assert best[i] == pytest.approx(float(np.max(bm25.get_scores([term]))), rel=1e-5), term


def test_date_question_prefers_the_sentence_with_the_date(engine):
    # The fit check off: its learned share (core/learned.json) was fitted on indexes holding both models, not MiniLM alone.
    a = type(engine)(engine.index, engine.encoders, replace(engine.settings, fit_relevance=0.0), engine.notices).ask(
        "When did the joint bomber flight happen?"
    )
    assert "May 2022" in a.sentences[0].text
    about = engine.ask("What is Myth 10 about?")  # about the document itself: its title, then its standfirst
    assert [p.section for p in about.passages[:2]] == ["Title", "Standfirst"]
    assert about.sentences[1].text.startswith("An increase in military and security cooperation should not be interpreted")


def test_passage_vectors_embed_section_and_text_without_the_title(engine, encoder):
    chunks = engine.index.chunks
    wrong = next(c for c in chunks if c.section == "Why is it wrong?")
    assert wrong.passage_text == f"Why is it wrong?\n{wrong.text}"  # no "Myth 10: ‘<title>’" prefix
    assert engine.index.primary.passage.shape == (30, 384)
    expected = encoder.encode([c.passage_text for c in chunks[:3]], normalize_embeddings=True)
    np.testing.assert_allclose(engine.index.primary.passage[:3], expected, atol=1e-4)


def test_near_domain_question_with_unknown_topic_words_abstains(engine):
    # The text never mentions a navy: the heavy coverage weight turns this near-domain question away.
    a = engine.ask("How large is Russia's navy?")
    assert not a.answered and a.passages
    assert engine.ask("Has China recognised Crimea as Russian?").answered


def test_evidence_is_what_ask_decides_on(engine):
    from qa.abstain import answerable

    key, weight, threshold = engine.abstention
    assert (key, weight, threshold) == ("minilm", 1.7, 0.978)
    for q in ("Which drone company stopped selling to Russia?", "How large is Russia's navy?", "When did Finland and Sweden apply?"):
        assert answerable(engine.evidence(q), weight, threshold) == engine.ask(q).answered
    assert engine.evidence("When did Finland and Sweden apply?").unknown_names == ("Finland", "Sweden")


def test_follow_up_is_read_against_the_previous_turn(engine):
    from qa.followup import Turn

    first = engine.ask("Who promotes the idea of an alliance with China?")
    previous = [Turn(first.question, first.sentences[0].text)]
    why = engine.ask("Why?", previous=previous)
    assert why.understood_as == f"Why: {first.sentences[0].text}"
    assert why.answered and why.sentences[0].text != first.sentences[0].text  # not the sentence already shown
    alone = engine.ask("Why?")
    assert alone.understood_as is None
    assert engine.ask("Who wrote this?", previous=previous).understood_as is None  # about the document: stands alone


def test_a_question_asked_again_is_answered_from_the_kept_answers_until_the_cache_is_cleared(engine):
    from qa.followup import Turn
    from qa.trace import Trace

    engine.clear_cache()
    first = engine.ask("Who promotes the myth?")
    assert engine.ask("Who promotes the myth?") is first  # kept: the same answer, not a new reading
    assert engine.ask("Who promotes the myth?", k=3) is not first  # other filters, another answer
    turn = Turn.of(first)
    follow = engine.ask("And why?", previous=[turn])
    assert engine.ask("And why?", previous=(turn,)) is follow and engine.ask("And why?") is not follow
    assert engine.ask("Who promotes the myth?", trace=Trace()) is not first  # a timed run measures every stage
    engine.clear_cache()
    again = engine.ask("Who promotes the myth?")
    assert again is not first and again == first  # read anew, the same answer


def test_kept_answers_are_bounded_and_unhashable_turns_are_answered_without_being_kept():
    from qa.remember import Remembered

    kept, calls = Remembered(size=2), []
    for key in ("a", "b", "a", "c", "b"):
        kept.get(key, lambda key=key: calls.append(key) or key.upper())
    assert calls == ["a", "b", "c", "b"]  # "a" was used again before "c" came, so "b" was the one dropped
    assert kept.get(("q", ({"turn": 1},)), lambda: "answered") == "answered"  # a dict in the key: not kept, still answered
