"""What the API server runs with: address, index, worker pool, limits, keys and CORS, from arguments and environment."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path

from core import settings
from core.settings import ApiSettings

# Requests being answered at once, past the worker pool's workers and queue: those needing no worker (the docs page
# and its assets, refusals) for a few dozen callers. Requests still sending their head or body are not counted.
IN_FLIGHT_SLACK = 64
# An idle keep-alive connection is closed after 5 s (uvicorn's default): a client sending several requests sends the
# next at once, and one that stopped costs a socket only briefly.
KEEP_ALIVE = 5


class ServeConfig(ApiSettings):
    """Everything one server process needs; built once at start (``from_env``) and read by every request. The limits
    (workers, queue, timeouts, CORS, …) are core.settings.ApiSettings, each with its variable and meaning.

    Attributes:
        index: the index folder (its published version is read on each request, so a new one is picked up).
        host: the address to listen on; anything but loopback requires API keys.
        keys_db: the SQLite database of API key hashes (core.settings: beside the feedback database).
        token_file: where the operator token is kept (core.operator), or None when operator powers are off.
    """

    index: Path = Path("index")
    host: str = "127.0.0.1"
    port: int = 8000
    keep_alive: int = KEEP_ALIVE
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


def from_env(environ: Mapping[str, str] | None = None, **given) -> ServeConfig:
    """The configuration from the environment (default os.environ; core.settings names every variable), overridden by
    ``given`` fields (command-line arguments, tests). The operator token is the app's."""
    given = {k: v for k, v in given.items() if v is not None}
    s = settings.load(environ)
    index = Path(given.pop("index", None) or s.index)
    values = s.model_dump(include=set(ApiSettings.model_fields)) | {
        "index": index,
        "keys_db": s.api_keys_path(index),
        "token_file": s.token_path(index) if s.operator else None,
    }
    return ServeConfig(**(values | given))
