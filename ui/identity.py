"""Who the visitor is: a secret this page keeps in a cookie of the browser, never in the address; old ``?u=`` addresses move once."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Mapping

import streamlit as st

from store.conversations import ID, ConversationStore

log = logging.getLogger("mythqa.app")
COOKIE = "mythqa_visitor"  # the cookie holding this browser's secret (32 hex digits); the store keeps only its sha256
LEGACY = "u"  # query parameter that carried the secret before it moved into the cookie: read once to move, then removed
# Browsers keep a cookie at most 400 days (RFC 6265bis); every visit writes it again, so only a visitor gone that long
# loses the conversations, which retention (ui.limits, 90 days untouched) has removed by then anyway.
MAX_AGE_DAYS = 400
HOLDER = "visitor-cookie"  # key of the hidden container of the cookie script
# Hidden, the script still runs, and the page keeps its spacing (the empty element took a gap above the title).
HIDE = f'<style>[data-testid="stLayoutWrapper"]:has(> .st-key-{HOLDER}) {{ display: none; }}</style>'
NOTE = "Your conversations are kept in this browser; the address never carries them, so a copied address shows nobody else any of them."


def owner_of(secret: str) -> str:
    """The owner key the conversation store files a visitor's conversations under (a hash: the store holds no secret).

    Hashed with a prefix of its own, so a cookie's owners and the old addresses' owners (``legacy_owner``) never meet:
    a secret chosen for a cookie cannot file conversations that a ``?u=`` link would later move into someone's browser.
    """
    return hashlib.sha256(b"cookie:" + secret.encode()).hexdigest()


def legacy_owner(secret: str) -> str:
    """The owner key of conversations kept under ``?u=secret`` before identities moved to the cookie (no new ones)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def browser_cookies() -> Mapping[str, str]:
    """The cookies the browser sent when this session's connection opened (Streamlit's websocket handshake)."""
    return st.context.cookies


def sent_secret() -> str | None:
    """This browser's secret, or None: a first visit, cookies cleared or refused, or a value that is no secret of ours."""
    try:
        value = browser_cookies().get(COOKIE)
    except Exception:  # no browser behind this run
        return None
    return value if isinstance(value, str) and ID.fullmatch(value) else None


def script(secret: str) -> str:
    """The page's own snippet that keeps ``secret`` in this browser: same origin only, never sent to another site."""
    cookie = json.dumps(f"{COOKIE}={secret}; Path=/; Max-Age={MAX_AGE_DAYS * 86400}; SameSite=Strict")
    return f'<script>document.cookie = {cookie} + (location.protocol === "https:" ? "; Secure" : "");</script>'


def visitor(store: ConversationStore) -> str:
    """This visitor's owner key: the secret in this browser's cookie, or a new one written there now.

    The first run of a first visit cannot read the cookie it is about to write, so the secret is kept in session state
    from the start and the whole session uses it. A secret offered in the address (``?u=``) never becomes anyone's
    identity: the conversations it owned move to this browser once (``move_legacy``), and the value is removed.
    """
    ss = st.session_state
    if "owner" not in ss:
        ss.visitor_key = sent_secret() or secrets.token_hex(16)
        ss.owner = owner_of(ss.visitor_key)
    with st.container(key=HOLDER):  # every run: a new session renews the cookie's expiry
        st.html(script(ss.visitor_key), unsafe_allow_javascript=True)
    st.html(HIDE)
    move_legacy(store, ss.owner)
    return ss.owner


def move_legacy(store: ConversationStore, owner: str) -> int:
    """An old address's ``?u=X``: take it out of the address at once and move X's conversations to ``owner``, so the
    address opens them once, in this browser, and nothing ever after. Returns how many conversations moved."""
    old = st.query_params.get(LEGACY)
    if old is None:
        return 0
    del st.query_params[LEGACY]
    if not ID.fullmatch(old):
        return 0
    try:
        moved = store.move_owner(legacy_owner(old), owner)
    except Exception:
        log.exception("moving the conversations of an old address failed")
        st.session_state.notice = "The conversations of this old address could not be moved to this browser; please reload to try again."
        return 0
    if moved:
        log.info("moved %d conversation(s) of an old ?u= address to a browser's cookie", moved)
        which = f"{moved} conversations of your old address now belong" if moved > 1 else "The conversation of your old address now belongs"
        st.session_state.notice = f"{which} to this browser; that address opens nothing any more."
    return moved
