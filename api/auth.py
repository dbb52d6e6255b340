"""Who is asking: the operator (the app's operator token), a client with an API key, or anyone on a loopback-only server.

A network address never grants anything: behind a reverse proxy every request comes from loopback.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.errors import ApiError
from core.operator import proves
from store.keys import ApiKey, KeyStore

OPERATOR, CLIENT, LOCAL = "operator", "client", "local"


@dataclass(frozen=True)
class Caller:
    """The party a request speaks for; ``limit_key`` is what the per-key rate limit counts ("" is never limited)."""

    role: str
    key: ApiKey | None = None

    @property
    def operator(self) -> bool:
        return self.role == OPERATOR

    @property
    def limit_key(self) -> str:
        return f"key:{self.key.id}" if self.key else ""


def presented(bearer, api_key: str | None) -> str | None:
    """The secret a request carries: ``Authorization: Bearer …`` (FastAPI's parsed credentials) or ``X-API-Key: …``."""
    secret = bearer.credentials if bearer is not None else api_key
    return (secret or "").strip() or None


def identify(secret: str | None, store: KeyStore, operator_token: str, keys_required: bool) -> Caller:
    """The caller ``secret`` proves; raises 401 for a wrong, revoked or (where keys are required) missing key."""
    if secret and proves(secret, operator_token):
        return Caller(OPERATOR)
    if secret:
        key = store.check(secret)
        if key is None:
            raise ApiError(401, "bad_key", "This API key is not valid or has been revoked. Ask the operator for a new one.", _CHALLENGE)
        return Caller(CLIENT, key)
    if keys_required:
        raise ApiError(
            401,
            "key_required",
            "This server needs an API key: send it as `Authorization: Bearer <key>`. The operator creates keys with "
            "`python -m api.keys create NAME`.",
            _CHALLENGE,
        )
    return Caller(LOCAL)


_CHALLENGE = {"WWW-Authenticate": "Bearer"}
