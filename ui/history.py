"""Sidebar list of stored conversations: start a new one, reopen or delete a past one."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from store.conversations import ConversationStore
from ui.identity import NOTE
from ui.text import escape_md

log = logging.getLogger("mythqa.app")
SHOWN = 20


def conversations(
    store: ConversationStore,
    current: str | None,
    on_new: Callable[[], None],
    on_open: Callable[[str], None],
    on_delete: Callable[[str], None],
    has_turns: bool,
    owner: str | None = None,
    on_undo: Callable[[], None] | None = None,
) -> None:
    """``owner``'s conversations, newest first; the one shown is in bold. Delete asks first; ``on_undo``, when given,
    offers to bring the conversation deleted last back. Above them, where they are kept (this browser, never the address)."""
    ss = st.session_state
    st.button("New conversation", on_click=on_new, disabled=not has_turns, icon=":material/add:", width="stretch")
    if on_undo is not None:
        st.button("Undo delete", on_click=on_undo, icon=":material/undo:", width="stretch")
    st.caption(f":material/lock: {NOTE}")
    try:
        shown, total = store.recent(SHOWN, owner)
    except Exception:  # an unreadable store must not cost the page
        log.exception("listing conversations failed")
        st.caption("The stored conversations cannot be read right now.")
        return
    if shown:
        st.markdown("**Past conversations**")
    for s in shown:
        label = escape_md(s.title)
        with st.container(horizontal=True, wrap=False, vertical_alignment="center", gap="small", key=f"conv-row-{s.id}"):
            st.button(
                f"**{label}**" if s.id == current else label,
                key=f"open-{s.id}",
                on_click=on_open,
                args=(s.id,),
                type="tertiary",
                width="stretch",
                help=f"{s.turns} question{'s' if s.turns != 1 else ''}",
            )
            st.button(
                "",
                key=f"delete-{s.id}",
                icon=":material/delete:",
                on_click=ss.update,
                kwargs={"confirm": s.id},
                type="tertiary",
                help="Delete",
            )
        if ss.get("confirm") == s.id:
            st.caption(f"Delete “{label}”?")
            with st.container(horizontal=True, gap="small"):
                st.button("Delete", key=f"confirm-{s.id}", on_click=on_delete, args=(s.id,), type="primary")
                st.button("Keep", key=f"keep-{s.id}", on_click=ss.pop, args=("confirm", None))
    if total > len(shown):
        st.caption(f"{total - len(shown)} older conversation{'s' if total - len(shown) != 1 else ''} not shown.")
