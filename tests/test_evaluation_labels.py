"""The evaluation page's words and tables for its readers: what a version was tuned on, which splits are a fair test,
rows by split and by kind (an unanswerable-only row shows its refusal rate), follow-up failures with the turn before."""

from __future__ import annotations

from evaluate.labels import row, sample_note, split_labels, tables, tuned_on, version_label, when
from evaluate.run import Question, Report
from ui.quality import axis_label, table_rows

TRAINED = (frozenset({"t1", "t2", "b1"}), frozenset({"tune"}))  # encoder record ids, answer model's splits


def _q(id_, split, oos=False):
    return Question(id_, f"question {id_}?", () if oos else ("gold",), split, "paraphrase", oos)


QUESTIONS = [_q("t1", "tune"), _q("t2", "tune"), _q("b1", "blind"), _q("b2", "blind"), _q("r1", "reviewed")]


def _report(split, n_answerable=10, oos=(0, 0)):
    return Report("fused", split, n_answerable, oos[1], 0.8, 0.9, 0.85, 0.7, 0.75, 1, None, None, oos[0], 20.0, 31.25)


def test_the_note_says_plainly_how_far_the_figures_are_a_fair_test():
    assert sample_note(TRAINED, QUESTIONS) == (
        "This version was tuned on 3 of these 5 questions, so its scores on them are optimistic; "
        "the “unseen” row counts only the other 2, which it never learnt from."
    )
    assert sample_note(TRAINED, QUESTIONS[:2]) == (
        "This version was tuned on all 2 of these questions, so its scores on them are optimistic: "
        "none of these figures says how it answers new questions."
    )
    assert (
        sample_note(TRAINED, QUESTIONS[4:]) == "This version never learnt from this question: every figure is a fair test of new questions."
    )


def test_a_split_is_named_for_what_it_is_to_this_version():
    assert split_labels(QUESTIONS, TRAINED) == {
        "tune": "tuned on: “tune”",
        "blind": "partly tuned on: “blind”",
        "reviewed": "unseen: “reviewed”",
        "all": "all questions (partly tuned on)",
    }
    every = (frozenset({"b1", "b2"}), frozenset())
    assert split_labels(QUESTIONS[2:4], every)["blind"] == "tuned on: “blind”"  # a blind split tuned on is not called blind


def test_versions_are_labelled_with_their_date_and_what_they_were_tuned_on():
    manifest = {
        "models": {
            "minilm": {"query_encoder": {"backend": "onnx"}},
            "mpnet": {"query_encoder": {"tuned": {"questions": ["t1", "t2", "r1"], "pairs": 3}}},
        }
    }
    sets = {"questions.jsonl": {"t1", "t2", "b1"}, "reviewed.jsonl": {"r1"}, "second_myth.jsonl": {"s1"}}
    assert version_label("20261207T171345135519-c8e2bc67", manifest, sets) == (
        "2026-12-07 17:13 · mpnet tuned on 3 questions (2 of questions.jsonl, 1 of reviewed.jsonl)"
    )
    one = {"models": {"mpnet": {"query_encoder": {"tuned": {"questions": ["t1", "t2"], "pairs": 2}}}}}
    assert tuned_on(one, sets) == "mpnet tuned on 2 questions of questions.jsonl"
    assert tuned_on({"models": {"minilm": {}}}) == "no tuned query encoder"
    fitted = {"models": {"minilm": {}}, "profile": {"trained_splits": ["tune", "blind"]}}
    assert tuned_on(fitted) == "no tuned query encoder; answer model fitted on 2 splits"
    assert version_label("custom", None) == "custom · its manifest cannot be read" and when("custom") == "custom"


def test_rows_by_split_and_by_kind_with_the_refusal_rate_for_unanswerable_questions():
    reports = [
        _report("tune"),
        _report("in-sample"),
        _report("unseen"),
        _report("kind:paraphrase"),
        _report("kind:out_of_scope", 0, (11, 12)),
    ]
    by_split, by_kind = tables(reports, {"tune": "tuned on: “tune”"})
    assert [r["questions"] for r in by_split] == ["tuned on: “tune”", "tuned on (optimistic)", "unseen (fair test)"]
    assert [r["questions"] for r in tables(reports[:2], {})[0]] == ["unseen: “tune”"]  # all tuned on: no repeat
    whole = [_report("tune"), _report("blind"), _report("all")]
    assert [r["questions"] for r in tables(whole, {})[0]] == ["unseen: “tune”", "unseen: “blind”", "all questions (unseen)"]
    assert [r["kind"] for r in by_kind] == ["paraphrase", "out of scope"]
    assert by_kind[1] == {
        "kind": "out of scope", "answerable": 0, "top-1": "—", "top-3": "—", "first sentence": "—",
        "answerable refused": "—", "unanswerable refused": "11 of 12 (92 %)", "p95 ms": 31.2,
    }  # fmt: skip
    assert (
        row(_report("blind"), "questions", "x")["top-1"] == "0.800"
        and row(_report("blind"), "questions", "x")["unanswerable refused"] == "—"
    )


def test_the_chart_labels_each_point_with_its_date_what_the_version_was_tuned_on_and_whether_it_is_optimistic():
    entry = {"version": "20261207T171345135519-c8e2bc67", "basis": "in-sample", "answerable": 40, "top1": 0.9, "top3": 1.0,
             "sentence": 0.8, "refused": 1, "at": "2026-12-07T18:00:00Z"}  # fmt: skip
    tuning = {entry["version"]: "mpnet tuned on 299 questions"}
    assert axis_label(entry, tuning) == "12-07 17:13:45 · mpnet tuned on 299 questions · tuned on these questions"
    assert axis_label({**entry, "basis": "unseen"}, {}) == "12-07 17:13:45"
    assert table_rows([entry], tuning) == [
        {"published": "2026-12-07 17:13", "tuned on": "mpnet tuned on 299 questions", "questions": "tuned on them (optimistic)",
         "answerable": 40, "top-1": 0.9, "top-3": 1.0, "first sentence": 0.8, "refused": 1, "scored at": "2026-12-07 18:00:00 UTC",
         "version": "20261207T171345135519-c8e2bc67"}
    ]  # fmt: skip


def test_a_failed_follow_up_carries_the_turn_it_followed(hash_index):
    from evaluate.report import failures
    from evaluate.run import evaluate
    from qa.engine import Engine

    engine = Engine.load(hash_index)
    first = Question("f1", "Is China arming Russia?", ("China",), "x", "followup_start", False)
    then = Question("f2", "Why?", ("a sentence no text holds, so this fails",), "x", "followup", False, "f1")
    whole = next(r for r in evaluate(engine, [first, then]) if r.split == "all")
    (failed,) = [f for f in whole.failures if f["id"] == "f2"]
    said = engine.ask("Is China arming Russia?")
    assert failed["previous"] == [{"question": "Is China arming Russia?", "answer": said.sentences[0].text}]
    assert f"  (after “Is China arming Russia?” → “{said.sentences[0].text}”)\n  f2 Why?" in failures(whole)


def test_the_cli_table_shows_no_hit_rate_for_a_split_without_answerable_questions():
    from evaluate.report import table
    from evaluate.run import Report

    none = Report("fused", "reviewed", 0, 3, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 1.0, 1.0, 3, 10.0, 12.0)
    some = Report("fused", "tune", 2, 0, 0.5, 1.0, 0.75, 0.5, 0.5, 0, None, None, 0, 10.0, 12.0)
    rows = table([none, some]).splitlines()[2:]
    assert rows[0].split()[:8] == ["fused", "reviewed", "0", "-", "-", "-", "-", "-"]
    assert rows[1].split()[:8] == ["fused", "tune", "2", "0.500", "1.000", "0.750", "0.500", "0.500"]


def test_unseen_questions_without_an_answerable_one_keep_the_whole_run_as_optimistic():
    from evaluate.history import figures
    from evaluate.run import Report

    def report(split, answerable):
        return Report("fused", split, answerable, 1, 0.9, 1.0, 0.9, 0.8, 0.8, 0, 1.0, 1.0, 1, 10.0, 12.0)

    whole, seen, unseen = report("all", 311), report("in-sample", 311), report("unseen", 0)
    assert figures([whole, seen, unseen]) == (whole, "in-sample")
    assert figures([whole, seen, report("unseen", 5)])[1] == "unseen"
    assert figures([whole]) == (whole, "unseen")
