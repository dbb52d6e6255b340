"""Which conversation this browser tab shows: the id in the URL (?c=…), permalinks arriving, and switching conversations."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import streamlit as st

from store import background
from store.conversations import ID, ConversationStore
from ui import links
from ui.resources import IndexFacts
from ui.sidebar import ALL, filter_sections

log = logging.getLogger("mythqa.app")
GONE = (
    "That conversation is not stored here (it was deleted, it is someone else's, or the link is from another machine); starting a new one."
)


@dataclass(frozen=True)
class Pending:
    """A question (or claim) to answer on this run that was not typed: an example clicked, or a permalink opened."""

    text: str
    claim: bool = False
    link_version: str | None = None


def operator(settings) -> bool:
    """Whether this browser session is the operator's: it presented the token (?token=…) once (ui.operator).

    The token is taken out of the address at once, so it is never in the address bar, a bookmark or a shared link.
    """
    from ui.operator import PARAM, ensure_token, proves

    ss = st.session_state
    presented = st.query_params.get(PARAM)
    if presented is not None:
        del st.query_params[PARAM]
        if settings.operator_enabled and settings.token_file and proves(presented, ensure_token(settings.token_file)):
            ss.operator = True
        else:
            log.warning("an operator token was presented and refused")
    return bool(settings.operator_enabled and ss.get("operator"))


def reset() -> None:
    """Start a new, empty conversation in this tab (it is stored once its first question is answered)."""
    ss = st.session_state
    ss.conv, ss.turns, ss.feedback = None, [], {}


def new_id() -> str:
    return uuid.uuid4().hex


def follow_url(store: ConversationStore) -> None:
    """Show the conversation named in the URL: load it on reload or when switched to, and pick up turns another tab added.

    Session state holds only this tab's current conversation; everything lasting is in the store, keyed by id.
    """
    ss = st.session_state
    if "conv" not in ss:
        reset()
    wanted = st.query_params.get("c")
    if wanted is None:
        return
    if not ID.fullmatch(wanted):
        ss.notice = "The conversation id in the address is not valid; starting a new conversation."
        del st.query_params["c"]
        reset()
        return
    try:
        if wanted == ss.conv and store.count(wanted, ss.owner) <= len(ss.turns):
            return
        conv = store.load(wanted, ss.owner)
    except Exception:
        log.exception("reading conversation %s failed", wanted)
        ss.notice = "The stored conversations cannot be read right now; this conversation will not be kept."
        return
    if conv is None:
        ss.notice = GONE
        del st.query_params["c"]
        reset()
        return
    ss.conv, ss.turns, ss.feedback = conv.id, list(conv.turns), dict(conv.feedback)


def open_link(facts: IndexFacts) -> None:
    """A permalink in the URL: a new conversation, the link's filters set in the sidebar, its question asked on this run."""
    link = links.parse(st.query_params)
    if link is None:
        return
    ss = st.session_state
    for name in links.PARAMS + ("c",):
        if name in st.query_params:
            del st.query_params[name]
    reset()
    myths, sections = {n for n, _title in facts.myths}, filter_sections(facts.sections)
    ss.myth = link.myth if link.myth in myths else ALL
    ss.section = link.section if link.section in sections else ALL
    if link.k is not None:
        ss.k = link.k
    dropped = [f"Myth {link.myth}"] * (link.myth is not None and link.myth not in myths)
    dropped += [link.section] * (link.section is not None and link.section not in sections)
    if dropped:
        ss.notice = f"This index has no {' and no '.join(dropped)}; the link is answered without that filter."
    ss.pending = Pending(link.text, link.claim, link.version or None)


def open_share(store: ConversationStore):
    """The shared answer the address names (?s=…), read-only, or None; an unknown one is said so."""
    from ui.views import SHARE

    wanted = st.query_params.get(SHARE)
    if wanted is None:
        return None
    found = store.shared(wanted) if ID.fullmatch(wanted) else None
    if found is None:
        st.session_state.notice = "That shared answer is not stored here (the link is wrong, or from another machine)."
        del st.query_params[SHARE]
    return found


def open_conversation(conversation_id: str) -> None:
    """Sidebar callback: show a stored conversation (the URL follows, so reload and bookmarks keep it)."""
    st.query_params["c"] = conversation_id


def new_conversation() -> None:
    """Sidebar callback: an empty conversation; the one shown stays stored and listed."""
    st.query_params.clear()
    reset()


UNDO_SECONDS = 30  # how long a deleted conversation can be brought back from the sidebar


def delete_conversation(store: ConversationStore, conversation_id: str) -> None:
    """Sidebar callback (after its confirmation): forget a stored conversation, which "Undo delete" can bring back for
    UNDO_SECONDS; deleting the one shown starts a new one."""
    ss = st.session_state
    ss.pop("confirm", None)
    try:
        kept = store.load(conversation_id, ss.owner)
        store.delete(conversation_id, ss.owner)
    except Exception:
        log.exception("deleting conversation %s failed", conversation_id)
        ss.notice = "The conversation could not be deleted; please try again."
        return
    ss.undo = (kept, time.monotonic()) if kept is not None else None
    if ss.get("conv") == conversation_id:
        new_conversation()
    ss.notice = f"Conversation deleted. “Undo delete” in the sidebar brings it back for {UNDO_SECONDS} seconds."


def undo_delete(store: ConversationStore) -> None:
    """Sidebar callback: store the conversation deleted last again, with its votes and comments, and show it."""
    ss = st.session_state
    kept, _when = ss.pop("undo", None) or (None, 0)
    if kept is None:
        return
    try:
        outcomes = [store.add(kept.id, t, ss.owner) for t in kept.turns]
        outcomes += [store.set_feedback(t.id, kept.feedback[t.id], ss.owner) for t in kept.turns if t.id in kept.feedback]
    except Exception:
        log.exception("restoring conversation %s failed", kept.id)
        ss.notice = "The conversation could not be restored."
        return
    unsaved = next((o for o in outcomes if not o.saved), None)
    if unsaved is not None and unsaved.state != background.RETRYING:  # read-only or failed: nothing to open
        ss.notice = unsaved.says("The conversation")
        return
    open_conversation(kept.id)
    ss.notice = "Conversation restored." if unsaved is None else unsaved.says("The restored conversation")


def can_undo() -> bool:
    """Whether the sidebar offers "Undo delete" (a conversation deleted in this session less than UNDO_SECONDS ago)."""
    undo = st.session_state.get("undo")
    return bool(undo) and time.monotonic() - undo[1] < UNDO_SECONDS
