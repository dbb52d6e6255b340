"""Operator powers (server paths, rebuilding the index) need a secret token, as Jupyter's do; never a network address.

The token lives in a file beside the index folder (``operator.token``, or MYTHQA_OPERATOR_TOKEN_FILE), created with a
random value on first use and readable by its owner only. `make run` prints the address with the token
(``python -m ui.operator``); opening it makes that browser session the operator's, and the token leaves the address
bar at once, so a shared link never carries it. Behind any proxy, a visitor without the token is a visitor.
"""

from __future__ import annotations

import argparse
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

PARAM = "token"  # the query parameter the operator's address carries


def token_path(environ: Mapping[str, str], feedback_db: Path) -> Path:
    """Where the token is kept: MYTHQA_OPERATOR_TOKEN_FILE, else beside the feedback database (beside the index)."""
    return Path(environ.get("MYTHQA_OPERATOR_TOKEN_FILE") or Path(feedback_db).parent / "operator.token")


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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ui.operator", description="Print the operator's address of the app (creates the token).")
    p.add_argument("--url", default="http://127.0.0.1:8501/", help="the app's address (default: http://127.0.0.1:8501/)")
    args = p.parse_args(argv)
    from ui.config import from_env

    token = ensure_token(token_path(os.environ, from_env().feedback_db))
    print(f"Operator's address (server paths, rebuild): {args.url.rstrip('/')}/?{PARAM}={token}")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
