"""Every refusal as one small JSON object, ``{"status": code, "message": what to do next}``, never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus

from starlette.responses import JSONResponse, Response

from qa.contract import to_json
from qa.question import MAX_QUESTION_CHARS

log = logging.getLogger("mythqa.serve")

# What a caller without the operator token reads for each error code (core.errors), like the app's visitors: no server
# path and no internals; the log and the operator get the whole message.
PUBLIC = {
    "model-unusable": "The answering model is not usable on this server. The operator has been told.",
    "index-missing": "No index is published yet. Try again once the operator has built one.",
    "index-damaged": "The index cannot be used: it is damaged or was built by another version of this program. The operator has been told.",
    "store-unavailable": "The service cannot check keys right now: its database cannot be reached. The operator has been told.",
}
INTERNAL = "Something went wrong on the server while answering. Try again; if it happens again, tell the operator."


class ApiError(Exception):
    """A refusal with its HTTP status, a stable code for programs and a message for people."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``body`` (an Answer, a ClaimResult, a dict) in the contract's one JSON form (qa.contract.to_json)."""
    return Response(to_json(body).encode("utf-8"), status, headers, media_type="application/json")


class ContractJSON(JSONResponse):
    """The response class of the routes that send the read path's contract (an answer, a claim result, a passage):
    FastAPI has already checked the body against its model, and it is written as qa.contract.to_json writes it for the
    CLI, so the bytes equal `python -m qa --json`'s line."""

    media_type = "application/json"

    def render(self, content) -> bytes:
        return to_json(content).encode("utf-8")


SCHEMA_MISMATCH = (
    "The server's answer did not match its documented schema (/openapi.json), so it was not sent. This is a fault in "
    "the server, not in your request: tell the operator."
)


def drifted(errors: list[dict]) -> ApiError:
    """A body a route was about to send that does not fit its response model: 500, logged for the operator by field only
    (no text of the answer), and never sent."""
    where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:5])
    log.error("response does not match its schema: %s", where)
    return ApiError(500, "schema_mismatch", SCHEMA_MISMATCH)


def refusal(error: ApiError) -> Response:
    return json_response({"status": error.code, "message": error.message}, error.status, error.headers)


def raw_refusal(error: ApiError) -> bytes:
    """``error`` as a whole HTTP/1.1 response that closes the connection, for the connection itself to write when no
    request reached the app (api.protocol): the same JSON as every other refusal."""
    body = to_json({"status": error.code, "message": error.message}).encode("utf-8")
    lines = [f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}", "content-type: application/json"]
    lines += [f"content-length: {len(body)}", "connection: close", *(f"{k}: {v}" for k, v in error.headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def busy() -> ApiError:
    """503 with Retry-After: every place is taken now, and one frees up within a few seconds."""
    return ApiError(503, "busy", "The server is answering as many questions as it can. Try again in a few seconds.", {"Retry-After": "2"})


def head_timeout(seconds: float) -> ApiError:
    return ApiError(
        408,
        "timeout",
        f"The request line and headers did not arrive whole within {seconds:g} s. Send the whole request at once, then wait for "
        "the answer.",
    )


def body_timeout(seconds: float, limit: int) -> ApiError:
    return ApiError(
        408,
        "timeout",
        f"The request body did not arrive within {seconds:g} s of its headers. Send the whole body at once (at most {limit:,} bytes).",
        {"Connection": "close"},
    )


def bad_http(status: int) -> ApiError:
    """What the connection answers a request h11 cannot parse: 431 for an oversized head, else 400."""
    if status == 431:
        return ApiError(431, "headers_too_large", "The request headers are too large. Send fewer or shorter headers (at most 16 KiB).")
    msg = "This is not a valid HTTP/1.1 request. Send it with an HTTP client such as curl; the endpoints are listed at /docs."
    return ApiError(400, "bad_http", msg)


def from_project_error(error, operator: bool) -> ApiError:
    """A core.errors.MythQAError (no index, a damaged one, an unusable model) as 503: the service cannot answer now."""
    log.error("%s: %s", error.code, error)
    if operator:
        return ApiError(503, error.code, " ".join(filter(None, [str(error), f"({error.remedy})" if error.remedy else ""])))
    return ApiError(503, error.code, PUBLIC.get(error.code, "The service cannot answer right now. The operator has been told."))


def store_failed(error: Exception) -> ApiError:
    """A store that cannot be read (the key database down or refusing) as 503: the caller retries later, the log says why."""
    log.error("store-unavailable: %s", " ".join(str(error).split()))
    return ApiError(503, "store-unavailable", PUBLIC["store-unavailable"])


def from_validation(errors: list[dict]) -> ApiError:
    """FastAPI's request validation errors in one sentence: 400 for a body that is not JSON, else 422 per field."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return ApiError(
            400, "bad_json", 'The request body is not valid JSON. Send a JSON object, e.g. {"question": "Who promotes this myth?"}.'
        )
    parts = []
    for e in errors[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")) or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return ApiError(
        422, "invalid_request", "; ".join(parts) + ". Fix these fields and send the request again (the schema is at /openapi.json)."
    )


def from_http(status: int) -> ApiError:
    """Starlette's own refusals (no such path, wrong method) in the same form."""
    if status == 404:
        return ApiError(404, "not_found", "There is no such endpoint. The endpoints are listed at /docs.")
    if status == 405:
        return ApiError(405, "method_not_allowed", "This endpoint does not take that method. See /docs for how to call it.")
    return ApiError(status, "http_error", "The request could not be handled. See /docs for how to call this API.")


def too_large(limit: int) -> ApiError:
    msg = (
        f"The request body is over {limit:,} bytes. Send a shorter question "
        f"(the engine reads at most its last {MAX_QUESTION_CHARS:,} characters)."
    )
    return ApiError(413, "too_large", msg, {"Connection": "close"})


async def send_refusal(scope, send, error: ApiError) -> None:
    """Answer ``error`` from a middleware, before (or instead of) the app reading the request (api.middleware)."""
    await refusal(error)(scope, _no_receive, send)


async def _no_receive():
    return {"type": "http.disconnect"}
