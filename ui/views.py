"""Streamlit rendering of the chat: welcome, answers with sources, feedback form."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from qa.feedback import VERDICTS
from ui.resources import IndexFacts
from ui.sidebar import Options
from ui.text import escape_md, highlight_md, shorten
from ui.transcript import Turn, source_label

NO_ANSWER = "The corpus does not answer this question."


def _lower_article(title: str) -> str:
    # "The West is…" reads "…the idea that the West is…"; proper nouns such as "Russia" keep their capital.
    first, _, rest = title.partition(" ")
    return f"{first.lower()} {rest}" if first in {"The", "A", "An", "It", "There"} else title


def example_questions(index: IndexFacts) -> list[str]:
    """Three or four questions the published index can answer, built from its myths and sections."""
    out = []
    if index.myths:
        _number, title = index.myths[0]
        out.append(f"Who promotes the idea that {_lower_article(title)}?" if title else "Who promotes this myth?")
    wanted = {"Why is it wrong?": "Why is the myth wrong?", "What would good policy look like?": "What would good policy look like?"}
    out += [q for s, q in wanted.items() if s in index.sections]
    if "What is its impact on policy?" in index.sections:
        out.append("What is the impact of the myth on Western policy?")
    return out[:4] or ["What is the myth?"]


def welcome(index: IndexFacts, on_example: Callable[[str], None]) -> None:
    """First visit: what the corpus holds, and example questions to click."""
    m = index.manifest
    if index.myths:
        names = "; ".join(f"Myth {n}, ‘{t}’" for n, t in index.myths)
        plural = "s" if len(index.myths) > 1 else ""
        what = f"The corpus holds {len(index.myths)} expert myth text{plural} on Russian military power: {names}."
    else:
        what = f"The corpus holds {m['counts']['documents']} document(s)."
    st.markdown(
        escape_md(what)
        + " Ask a question in your own words: the answer is quoted **verbatim** from the texts, every sentence with its source,"
        " and when the texts do not answer, you are told so."
    )
    st.caption("Try one of these:")
    for i, q in enumerate(example_questions(index)):
        st.button(escape_md(q), key=f"example-{i}", on_click=on_example, args=(q,), icon=":material/chat_bubble:")


def _answer_markdown(turn: Turn) -> str:
    # One paragraph per verbatim sentence, each followed by the number of its source.
    return "\n\n".join(f"{escape_md(' '.join(s.text.split()))} :blue-badge[{s.passage + 1}]" for s in turn.answer.sentences)


def _passage_markdown(turn: Turn, i: int) -> str:
    spans = [(s.start, s.end) for s in turn.answer.sentences if s.passage == i]
    return highlight_md(turn.answer.passages[i].text, spans)


def _passages_markdown(turn: Turn, show_scores: bool) -> str:
    """All passages of a turn as one Markdown element: numbered citation, then the text (answer sentences highlighted)."""
    parts = []
    for i, p in enumerate(turn.answer.passages):
        score = f" · score {p.score:.3f}" if show_scores else ""
        parts.append(f"**{escape_md(f'[{i + 1}] {source_label(p)}{score}')}**\n\n{_passage_markdown(turn, i)}")
    return "\n\n".join(parts)


def _sources(turn: Turn, show_scores: bool, compact: bool) -> None:
    a = turn.answer
    if compact:  # older turns: one element instead of one expander per passage (the history re-renders every run)
        with st.expander(f"Sources ({len(a.passages)})"):
            st.markdown(_passages_markdown(turn, show_scores))
        return
    first = turn.cited()[0] if a.sentences else None
    st.markdown("**Sources**")
    for i, p in enumerate(a.passages):
        score = f" · score {p.score:.3f}" if show_scores else ""
        with st.expander(escape_md(f"[{i + 1}] {source_label(p)}{score}"), expanded=i == first):
            who = " · ".join(x for x in (p.author, f"‘{p.title}’" if p.title else None, p.source) if x)
            st.markdown(f"{_passage_markdown(turn, i)}\n\n:small[:gray[{escape_md(who)}]]")


def _closest(turn: Turn, show_scores: bool) -> None:
    a = turn.answer
    if a.passages:
        with st.expander(f"Closest passages ({len(a.passages)}), none of which answers the question", expanded=False):
            st.markdown(_passages_markdown(turn, show_scores))


def _feedback(turn: Turn, vote: str | None, on_vote: Callable[[Turn], None]) -> None:
    if vote:
        st.caption(f":material/check_circle: Feedback recorded: **{escape_md(VERDICTS[vote])}**. Thank you.")
        return
    with st.form(f"fb-{turn.id}", border=False, enter_to_submit=False):
        st.radio(
            "Was this answer right?",
            list(VERDICTS),
            format_func=VERDICTS.get,
            index=None,
            key=f"fb-verdict-{turn.id}",
            horizontal=True,
        )
        cols = st.columns([4, 1], vertical_alignment="bottom")
        cols[0].text_input(
            "Comment", key=f"fb-comment-{turn.id}", max_chars=2000, placeholder="Comment (optional)", label_visibility="collapsed"
        )
        cols[1].form_submit_button("Send", on_click=on_vote, args=(turn,), width="stretch")


def turn(
    turn: Turn,
    opts: Options,
    vote: str | None,
    on_vote: Callable[[Turn], None],
    on_rate: Callable[[str], None],
    recent: bool = True,
    rating: bool = False,
) -> None:
    """One question and its answer, sources and feedback.

    Recent turns show every source in its own expander and the feedback form; older ones are drawn
    lighter (sources in one expander, a "Rate this answer" button that opens the form) because the
    whole conversation is re-rendered on every question.
    """
    with st.chat_message("user"):
        st.markdown(escape_md(shorten(turn.question)))
    with st.chat_message("assistant"):
        a = turn.answer
        if a.understood_as:
            st.caption(escape_md(f"Understood as: {a.understood_as}"))
        if a.answered:
            st.markdown(_answer_markdown(turn))
            if a.message:
                st.caption(escape_md(a.message))
            _sources(turn, opts.show_scores, compact=not recent)
        else:
            st.markdown(escape_md(a.message or NO_ANSWER))
            _closest(turn, opts.show_scores)
        filters = [f"Myth {turn.myth}" if turn.myth is not None else "", turn.section or ""]
        note = f" · filtered to {escape_md(' · '.join(f for f in filters if f))}" if any(filters) else ""
        if opts.show_scores or note:
            st.caption(f"Answered in {turn.ms:.0f} ms{note}")
        if not a.passages:
            return
        if vote or recent or rating:
            _feedback(turn, vote, on_vote)
        else:
            st.button(
                "Rate this answer", key=f"rate-{turn.id}", on_click=on_rate, args=(turn.id,), type="tertiary", icon=":material/reviews:"
            )
