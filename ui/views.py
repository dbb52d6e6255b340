"""Streamlit rendering of the chat: welcome, Ask / Check a claim switch, questions and answers."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from store.turn import Feedback, Turn
from ui import links, rating, sources
from ui.resources import IndexFacts
from ui.sidebar import Options
from ui.text import escape_md, shorten
from ui.transcript import plain_text

NO_ANSWER = "The corpus does not answer this question."
SHARE = "s"  # query parameter of a read-only shared answer (store.conversations.ConversationStore.share)
FOLLOW_UP_LINK = "This answer follows your previous question, so no link can ask it again on its own: share the read-only link."
MODES = {"ask": "Ask", "claim": "Check a claim"}
# A popover is as wide as the column allows and shifts left to fit the window, so the Share popover at the end of an
# answer's footer covered the sidebar. 26rem leaves it room beside its button on a 1280-wide window; a phone gets the
# window's width less a margin.
STYLE = '<style>[data-testid="stPopoverBody"] { max-width: min(26rem, calc(100vw - 2rem)) !important; }</style>'

PLACEHOLDERS = {"ask": "Ask a question about the myths…", "claim": "Paste a claim to check against the myths…"}


def _lower_article(title: str) -> str:
    # "The West is…" reads "…the idea that the West is…"; proper nouns such as "Russia" keep their capital.
    first, _, rest = title.partition(" ")
    return f"{first.lower()} {rest}" if first in {"The", "A", "An", "It", "There"} else title


def style() -> None:
    """The page's few style rules (sent once per run; a style-only element takes no room on the page)."""
    st.html(STYLE)


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


def example_claims(index: IndexFacts) -> list[str]:
    """Claims to click: each myth's own statement (its title) as a reader would paste it, for up to three myths."""
    return [f"{title.rstrip('.')}." for _number, title in index.myths[:3] if title]


def welcome(index: IndexFacts, mode: str, on_example: Callable[[str, bool], None]) -> None:
    """First visit: what the corpus holds, and example questions (or claims, in claim mode) to click."""
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
        " and when the texts do not answer, you are told so. **Check a claim** tells which myth a claim matches and what"
        " the texts say against it."
    )
    st.caption("Try one of these:")
    claim = mode == "claim"
    for i, q in enumerate(example_claims(index) if claim else example_questions(index)):
        st.button(escape_md(q), key=f"example-{i}", on_click=on_example, args=(q, claim), icon=":material/chat_bubble:")


def mode() -> str:
    """The Ask / Check a claim switch above the conversation."""
    st.session_state.setdefault("mode", "ask")
    return st.segmented_control("Mode", list(MODES), format_func=MODES.get, required=True, key="mode", label_visibility="collapsed")


def earlier(ss, page: int) -> int:
    """The index of the first turn to draw: the last ``page`` turns of this conversation, more after each "Show earlier"
    (a button above them saying how many are not shown)."""
    shown = ss.setdefault("shown", {}).get(ss.conv, page)
    start = max(0, len(ss.turns) - shown)
    if start:
        more = min(page, start)
        st.button(
            f"Show {more} earlier turn{'s' if more > 1 else ''} ({start} not shown)",
            icon=":material/expand_less:",
            on_click=lambda: ss.shown.update({ss.conv: ss.shown.get(ss.conv, page) + page}),  # as held by then (hold)
        )
    return start


def hold(ss, start: int, page: int) -> None:
    """Keep drawing from turn ``start`` after a turn is added: the page grows downward instead of sliding, so each turn
    keeps its place on the page and the next new turn gets a new one."""
    shown = ss.setdefault("shown", {})
    shown[ss.conv] = max(shown.get(ss.conv, page), len(ss.turns) - start)


def question(shown: str, claim: bool) -> None:
    """The reader's message: the question, or the claim to check, as ``text.shorten`` gives it for display."""
    with st.chat_message("user"):
        st.markdown((":gray[Claim to check:]  \n" if claim else "") + escape_md(shown))


def reply(
    turn: Turn,
    opts: Options,
    fb: Feedback,
    on_feedback: Callable[[Turn], None] | None,
    recent: bool = True,
    base: str = "",
    on_share: Callable[[Turn], None] | None = None,
) -> None:
    """The answer inside its chat message: sentences with clickable markers, sources, then a compact footer (votes and
    Share; none without ``on_feedback``: a shared answer is read-only).

    Recent turns show each cited source in its own expander; older ones (``recent=False``) put all in one, because the
    whole conversation is drawn again on every run.
    """
    a = turn.answer
    if turn.notice:
        st.caption(f":material/info: {escape_md(turn.notice)}")
    if a.read_against:  # a reading such as "Why: <sentence>" is no question: show the turn it was read against
        st.caption(escape_md(f"Read against your previous question “{a.read_against[0]}” and its answer “{a.read_against[1]}”"))
    elif a.understood_as:
        st.caption(escape_md(f"Understood as: {a.understood_as}"))
    if turn.claim is not None and a.answered:  # "This claim matches Myth N: ‘…’ by …" heads what the texts say against it
        st.markdown(f"**{escape_md(a.message)}**")
    if a.answered:
        st.markdown(sources.answer_markdown(turn))
        if a.message and turn.claim is None:
            st.caption(escape_md(a.message))
        sources.sources(turn, opts.show_scores, compact=not recent)
    else:
        st.markdown(escape_md(a.message or NO_ANSWER))
        sources.closest(turn, opts.show_scores)
    facts = [f"Filtered to {turn.filters()}" if turn.filters() else ""]
    facts += [f"Answered in {turn.ms:.0f} ms from index {turn.index_version}"] if opts.show_scores else []
    if any(facts):
        st.caption(escape_md(" · ".join(f for f in facts if f)))
    if on_feedback is None:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        rating.control(turn, fb, on_feedback)
        _share(turn, base, on_share)


def _share(turn: Turn, base: str, on_share: Callable[[Turn], None] | None) -> None:
    link = links.build(turn, base)  # None for a follow-up: only the stored answer can be shared
    with st.popover("Share", icon=":material/share:", type="tertiary"):
        shared = st.session_state.get("shares", {}).get(turn.id)
        if shared:
            st.caption("Read-only link to this answer (it opens no conversation and shows nothing else of yours):")
            st.code(f"{base}?{SHARE}={shared}", language=None, wrap_lines=True)
        elif on_share is not None:
            st.button(
                "Make a read-only link to this answer", key=f"share-{turn.id}", on_click=on_share, args=(turn,), icon=":material/link:"
            )
        if link:
            st.caption("Link that asks this again with the same filters:")
            st.code(link, language=None, wrap_lines=True)
        else:
            st.caption(FOLLOW_UP_LINK)
        st.caption("The answer with its citations, as plain text:")
        st.code(plain_text(turn, link or (f"{base}?{SHARE}={shared}" if shared else "")), language=None, wrap_lines=True)


def turn(turn: Turn, *args, **kwargs) -> None:
    """One question and its answer (the answer drawn by ``reply``, which takes the other arguments)."""
    question(turn.typed or shorten(turn.question), turn.claim is not None)
    with st.chat_message("assistant"):
        reply(turn, *args, **kwargs)


def shared(turn_: Turn, opts: Options) -> None:
    """An answer someone shared: read-only, in no conversation, with nothing else of theirs."""
    st.caption(":material/link: A shared answer, read-only. Ask your own question below to start a conversation.")
    turn(links.shareable(turn_), opts, Feedback(), None)  # shares made before they were stored this way show no reading either
