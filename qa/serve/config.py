"""What the API server runs with: address, index, worker pool, limits, keys and CORS, from arguments and environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# A whole request is read into memory before any work: 64 KiB holds the longest question the engine reads
# (qa.question.MAX_QUESTION_CHARS, even as \u-escaped astral characters) with a previous turn beside it.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class ServeConfig:
    """Everything one server process needs; built once at start (``from_env``) and read by every request.

    Attributes:
        index: the index folder (its published version is read on each request, so a new one is picked up).
        host: the address to listen on; anything but loopback requires API keys.
        require_keys: ask for keys even on loopback (a reverse proxy on this machine forwards everyone's requests).
        workers: answering threads; each answer holds one, the rest wait in the queue.
        queue: requests that may wait for a worker; past it the server answers 503 busy.
        requests_per_minute: per API key (sliding window); 0 turns the limit off.
        cors_origins: origins browsers may call from; empty sends no CORS header at all.
        keys_db: the SQLite database of API key hashes, beside the index folder.
        token_file: where the operator token is kept (core.operator), or None when operator powers are off.
    """

    index: Path = Path("index")
    host: str = "127.0.0.1"
    port: int = 8000
    require_keys: bool = False
    workers: int = 2
    queue: int = 64
    requests_per_minute: int = 60
    max_body_bytes: int = MAX_BODY_BYTES
    cors_origins: tuple[str, ...] = ()
    keys_db: Path = Path("api_keys.sqlite3")
    token_file: Path | None = None

    @property
    def keys_required(self) -> bool:
        return self.require_keys or not is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1, localhost): only this machine can reach it."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0: reachable from elsewhere


def keys_db_path(index: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """MYTHQA_API_KEYS_DB, else ``api_keys.sqlite3`` beside the index folder (ingestion replaces what is inside it)."""
    return Path(environ.get("MYTHQA_API_KEYS_DB") or Path(index).resolve().parent / "api_keys.sqlite3")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(environ.get(name, "").strip() or default)
    except ValueError:
        return default  # an unreadable value keeps the default, as ui.limits does


def from_env(environ: Mapping[str, str] = os.environ, **given) -> ServeConfig:
    """The configuration from MYTHQA_* variables, overridden by ``given`` fields (command-line arguments, tests).

    MYTHQA_INDEX, MYTHQA_API_WORKERS, MYTHQA_API_QUEUE, MYTHQA_API_REQUESTS_PER_MINUTE, MYTHQA_API_MAX_BODY_BYTES,
    MYTHQA_API_CORS_ORIGINS (comma-separated), MYTHQA_API_REQUIRE_KEYS=1, MYTHQA_API_KEYS_DB, and the app's
    MYTHQA_OPERATOR / MYTHQA_OPERATOR_TOKEN_FILE (the same operator token as the app's).
    """
    given = {k: v for k, v in given.items() if v is not None}
    index = Path(given.pop("index", None) or environ.get("MYTHQA_INDEX") or "index")
    from core.operator import operator_enabled, token_path
    from qa.feedback import db_path

    origins = tuple(o.strip() for o in environ.get("MYTHQA_API_CORS_ORIGINS", "").split(",") if o.strip())
    values = {
        "index": index,
        "workers": max(1, _int(environ, "MYTHQA_API_WORKERS", ServeConfig.workers)),
        "queue": max(0, _int(environ, "MYTHQA_API_QUEUE", ServeConfig.queue)),
        "requests_per_minute": max(0, _int(environ, "MYTHQA_API_REQUESTS_PER_MINUTE", ServeConfig.requests_per_minute)),
        "max_body_bytes": max(1024, _int(environ, "MYTHQA_API_MAX_BODY_BYTES", MAX_BODY_BYTES)),
        "cors_origins": origins,
        "require_keys": environ.get("MYTHQA_API_REQUIRE_KEYS", "").strip().lower() in ("1", "true", "yes", "on"),
        "keys_db": keys_db_path(index, environ),
        "token_file": token_path(environ, db_path(index, environ)) if operator_enabled(environ) else None,  # the app's token
    }
    return ServeConfig(**(values | given))
