"""Answer sentences with clickable [n] markers, and their sources: one-line previews that open to the full paragraph."""

from __future__ import annotations

import streamlit as st

from qa.types import Passage
from store.turn import Turn
from ui.lead import LABEL, lead
from ui.text import HIGHLIGHT, escape_md, highlight_md, safe_url
from ui.transcript import SCORES, source_label

LABEL_CHARS = 84  # citation plus preview fit one line of the centred layout on a desktop (two on a phone)


def anchor(turn: Turn, i: int) -> str:
    """The in-page id of passage ``i`` of a turn: markers link to it, and the browser opens the source holding it."""
    return f"src-{turn.id}-{i + 1}"


def answer_markdown(turn: Turn) -> str:
    """One paragraph per verbatim sentence, each ending in a link to its source, e.g. ``… [1]`` (numbered as read:
    ``Turn.numbers``); a quotation says whose words it is (":gray[— Putin, quoted]"), so that it is not read as the
    author's view. A first sentence that leans on the one before follows that sentence, in grey and headed as context."""
    n = turn.numbers()

    def marker(i: int) -> str:
        return f"[\\[{n[i]}\\]](#{anchor(turn, i)})"

    before = lead(turn)
    shown = [f":gray[**{escape_md(LABEL)}** {escape_md(' '.join(before.text.split()))}] {marker(before.passage)}"] if before else []
    shown += [f"{escape_md(' '.join(s.text.split()))} {marker(s.passage)}{speaker(s)}" for s in turn.answer.sentences]
    return "\n\n".join(shown)


def speaker(sentence) -> str:
    """ " — X, quoted" after a sentence the text quotes someone in, " — the view of X, reported" after a view the text
    reports, " — the myth, as the text states it" (Markdown, escaped); "" for the author's own words."""
    said = sentence.attribution() if hasattr(sentence, "attribution") else ""
    return f" :gray[— {escape_md(said)}]" if said else ""


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def preview(turn: Turn, i: int, show_scores: bool) -> str:
    """The one-line expander label: number, citation, then the cited sentence highlighted (else the passage start)."""
    p = turn.answer.passages[i]
    said = [s.text for s in turn.answer.sentences if s.passage == i]
    cite = f"{source_label(p)} · score {p.score:.3f}" if show_scores else source_label(p)
    head = f"**{escape_md(f'[{turn.numbers()[i]}]')}** {escape_md(cite)} — "
    room = max(24, LABEL_CHARS - len(cite))
    if said:
        return head + f":{HIGHLIGHT}[{escape_md(_cut(said[0], room))}]"
    return head + escape_md(_cut(p.text, room))


def _passage_markdown(turn: Turn, i: int) -> str:
    spans = [(s.start, s.end) for s in turn.answer.sentences if s.passage == i]
    return highlight_md(turn.answer.passages[i].text, spans)


def origin(p: Passage) -> str:
    """Where a passage comes from, in words: author, title, publisher and date, and the file when there is no web page."""
    where = ", ".join(x for x in (p.publisher, p.published) if x)
    parts = (p.author, f"‘{p.title}’" if p.title else None, where, None if safe_url(p.url) and p.page is None else p.source)
    return " · ".join(x for x in parts if x)


def _origin_markdown(p: Passage) -> str:
    """Small print under a passage, with a link to the original page when the corpus records one."""
    url = safe_url(p.url)
    return f":small[:gray[{escape_md(origin(p))}]" + (f" · [original page ↗]({url})]" if url else "]")


def _body(turn: Turn, i: int) -> None:
    # An empty element carrying the id: a marker link lands inside the collapsed <details>, which the browser then opens.
    st.html(f'<span id="{anchor(turn, i)}"></span>')
    st.markdown(f"{_passage_markdown(turn, i)}\n\n{_origin_markdown(turn.answer.passages[i])}")


def sources(turn: Turn, show_scores: bool, compact: bool) -> None:
    """Cited sources as one collapsed preview each; the passages not cited together in one more expander.

    ``compact`` (older turns): every passage inside a single expander, because the whole history re-renders each run.
    """
    a = turn.answer
    if compact:
        with st.expander(f"Sources ({len(a.passages)})"):
            for i in sorted(range(len(a.passages)), key=turn.numbers().get):
                _body(turn, i)
        return
    cited = turn.cited()
    for i in cited:
        with st.expander(preview(turn, i, show_scores)):
            _body(turn, i)
    others = sorted((i for i in range(len(a.passages)) if i not in cited), key=turn.numbers().get)
    if others:
        with st.expander(f"{'Other passages' if cited else 'Passages'} ({len(others)})"):
            st.markdown(_list_markdown(turn, others, show_scores))
    if show_scores:
        st.caption(SCORES)


def _list_markdown(turn: Turn, indexes: list[int], show_scores: bool) -> str:
    parts, n = [], turn.numbers()
    for i in indexes:
        p = turn.answer.passages[i]
        score = f" · score {p.score:.3f}" if show_scores else ""
        parts.append(f"**{escape_md(f'[{n[i]}] {source_label(p)}{score}')}**\n\n{_passage_markdown(turn, i)}\n\n{_origin_markdown(p)}")
    return "\n\n".join(parts)


def closest(turn: Turn, show_scores: bool) -> None:
    """When the texts do not answer: the closest passages, collapsed, for the reader to judge."""
    a = turn.answer
    if a.passages:
        with st.expander(f"Closest passages ({len(a.passages)}), none of which answers the question"):
            st.markdown(_list_markdown(turn, list(range(len(a.passages))), show_scores))
        if show_scores:
            st.caption(SCORES)
