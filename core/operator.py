"""Operator powers (server paths, rebuilding the index; in the app and the HTTP API alike) need a secret token, as
Jupyter's do; never a network address.

The token lives in a file beside the feedback database (``operator.token``, or MYTHQA_OPERATOR_TOKEN_FILE; core.settings), created with a
random value on first use and readable by its owner only. `make run` prints the address with the token
(``python -m ui.operator``); opening it makes that browser session the operator's, and the token leaves the address
bar at once, so a shared link never carries it. Behind any proxy, a visitor without the token is a visitor.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

PARAM = "token"  # the query parameter the operator's address carries


def ensure_token(path: Path) -> str:
    """The operator token stored in ``path``, created (owner-only, 0600) when missing or empty."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if token:
        return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    os.replace(tmp, path)  # two starts at once: both end with one whole token file
    return path.read_text(encoding="utf-8").strip()


def proves(presented: str | None, token: str) -> bool:
    """Whether ``presented`` is the operator token (compared in constant time)."""
    return bool(presented) and bool(token) and hmac.compare_digest(str(presented).encode(), token.encode())
