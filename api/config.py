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
# A request head is under 1 KiB and every real client sends it as soon as it has connected (milliseconds on loopback,
# well under a second on a slow mobile link): 10 s is ample slack, and frees a socket that sends nothing within 10 s.
HEAD_TIMEOUT = 10.0
# The longest body is MAX_BODY_BYTES: 64 KiB takes about 9 s at 56 kbit/s, the slowest link still in use; 20 s leaves
# room for that, while a body trickled byte by byte is cut off instead of holding its request open.
BODY_TIMEOUT = 20.0
# An idle keep-alive connection is closed after 5 s (uvicorn's default): a client sending several requests sends the
# next at once, and one that stopped costs a socket only briefly.
KEEP_ALIVE = 5
# Requests being answered at once, past the worker pool's workers and queue: those needing no worker (the docs page
# and its assets, refusals) for a few dozen callers. Requests still sending their head or body are not counted.
IN_FLIGHT_SLACK = 64
# Wrong keys one client address may present in a sliding minute: a person retyping a key or a program started with a
# stale one fails a few times, then stops; past it a guesser waits out the minute (at most 14,400 tries a day).
FAILED_KEYS_PER_MINUTE = 10


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
        failed_keys_per_minute: wrong keys per client address (sliding window); past it 429, and 0 turns it off.
        head_timeout: seconds a connection may take to send a whole request head, from connecting or from the last answer.
        body_timeout: seconds a request may take to send its whole body once its head has arrived.
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
    failed_keys_per_minute: int = FAILED_KEYS_PER_MINUTE
    head_timeout: float = HEAD_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    keep_alive: int = KEEP_ALIVE
    max_body_bytes: int = MAX_BODY_BYTES
    cors_origins: tuple[str, ...] = ()
    keys_db: Path = Path("api_keys.sqlite3")
    token_file: Path | None = None

    @property
    def keys_required(self) -> bool:
        return self.require_keys or not is_loopback(self.host)

    @property
    def max_in_flight(self) -> int:
        """Requests inside the app at once (their whole body read); past it 503 busy at once. Sockets are not counted."""
        return self.workers + self.queue + IN_FLIGHT_SLACK


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


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(environ.get(name, "").strip() or default)
    except ValueError:
        return default
    return value if 0.1 <= value <= 3600 else default  # nan, 0 or a day would switch the guard off: keep the default


def from_env(environ: Mapping[str, str] = os.environ, **given) -> ServeConfig:
    """The configuration from MYTHQA_* variables, overridden by ``given`` fields (command-line arguments, tests).

    MYTHQA_INDEX, MYTHQA_API_WORKERS, MYTHQA_API_QUEUE, MYTHQA_API_REQUESTS_PER_MINUTE, MYTHQA_API_MAX_BODY_BYTES,
    MYTHQA_API_FAILED_KEYS_PER_MINUTE, MYTHQA_API_HEAD_TIMEOUT, MYTHQA_API_BODY_TIMEOUT (seconds),
    MYTHQA_API_CORS_ORIGINS (comma-separated), MYTHQA_API_REQUIRE_KEYS=1, MYTHQA_API_KEYS_DB, and the app's
    MYTHQA_OPERATOR / MYTHQA_OPERATOR_TOKEN_FILE (the same operator token as the app's).
    """
    given = {k: v for k, v in given.items() if v is not None}
    index = Path(given.pop("index", None) or environ.get("MYTHQA_INDEX") or "index")
    from core.operator import operator_enabled, token_path
    from store.votes import db_path

    origins = tuple(o.strip() for o in environ.get("MYTHQA_API_CORS_ORIGINS", "").split(",") if o.strip())
    values = {
        "index": index,
        "workers": max(1, _int(environ, "MYTHQA_API_WORKERS", ServeConfig.workers)),
        "queue": max(0, _int(environ, "MYTHQA_API_QUEUE", ServeConfig.queue)),
        "requests_per_minute": max(0, _int(environ, "MYTHQA_API_REQUESTS_PER_MINUTE", ServeConfig.requests_per_minute)),
        "failed_keys_per_minute": max(0, _int(environ, "MYTHQA_API_FAILED_KEYS_PER_MINUTE", FAILED_KEYS_PER_MINUTE)),
        "head_timeout": _seconds(environ, "MYTHQA_API_HEAD_TIMEOUT", HEAD_TIMEOUT),
        "body_timeout": _seconds(environ, "MYTHQA_API_BODY_TIMEOUT", BODY_TIMEOUT),
        "max_body_bytes": max(1024, _int(environ, "MYTHQA_API_MAX_BODY_BYTES", MAX_BODY_BYTES)),
        "cors_origins": origins,
        "require_keys": environ.get("MYTHQA_API_REQUIRE_KEYS", "").strip().lower() in ("1", "true", "yes", "on"),
        "keys_db": keys_db_path(index, environ),
        "token_file": token_path(environ, db_path(index, environ)) if operator_enabled(environ) else None,  # the app's token
    }
    return ServeConfig(**(values | given))
