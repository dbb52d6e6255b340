"""The FastAPI application: the endpoints, answering in the JSON of `python -m qa --json` and refusing as {status, message}."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Depends, FastAPI, Path, Request, Response
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from api import routes
from api.auth import Caller, identify, presented
from api.config import ServeConfig
from api.docs import add_docs
from api.engines import Engines
from api.errors import (
    INTERNAL,
    ApiError,
    ContractJSON,
    drifted,
    from_http,
    from_project_error,
    from_validation,
    json_response,
    log,
    refusal,
    store_failed,
)
from api.limits import KeyFailures, Pool, RateLimit
from api.middleware import BodyCap, InFlight, JsonBody
from api.schemas import AskRequest, ClaimRequest, Refusal
from core.errors import MythQAError
from core.operator import ensure_token
from qa.contract import AnswerJSON, ClaimJSON, StoredPassage, passage_record, with_ids
from store.db import ERRORS
from store.keys import KeyStore

# Declared as security schemes so the docs page offers "Authorize"; either header carries a key or the operator token.
BEARER = HTTPBearer(auto_error=False, description="an API key, or the operator token")
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="the same secret in a header of its own")
REFUSALS = {code: {"model": Refusal} for code in (400, 401, 404, 408, 413, 422, 429, 503)}


@dataclass(frozen=True)
class Services:
    """What the routes share for the life of the process."""

    config: ServeConfig
    engines: Engines
    keys: KeyStore
    pool: Pool
    rate: RateLimit
    failures: KeyFailures
    operator_token: str  # "" when operator powers are off (MYTHQA_OPERATOR=0)

    def identify(self, request: Request, secret: str | None, keys_required: bool) -> Caller:
        """The caller ``secret`` proves (auth.identify), with wrong keys counted against the client's address."""
        address = request.client.host if request.client else ""  # the proxy's X-Forwarded-For from loopback (uvicorn)
        if secret:
            self.failures.check(address)  # over its limit: refused before the key is even looked at
        try:
            who = identify(secret, self.keys, self.operator_token, keys_required)
        except ApiError as e:
            if e.code == "bad_key":
                self.failures.failed(address)
            raise
        except ERRORS as e:  # the key store cannot be read (PostgreSQL down): 503, never a traceback
            raise store_failed(e) from e
        request.state.operator = who.operator
        return who

    async def run(self, caller: Caller, fn, *args):
        """``fn(engine, *args)`` on a worker with the published engine; the project's own errors become 503s."""

        def job():
            try:
                return fn(self.engines.current(), *args)
            except MythQAError as e:
                raise from_project_error(e, caller.operator) from e
            except OSError as e:  # the index folder vanished or cannot be read mid-load
                raise from_project_error(MythQAError(f"The index cannot be read: {e}", code="index-damaged"), caller.operator) from e

        return await self.pool.run(job)


def create_app(config: ServeConfig, engines: Engines | None = None) -> FastAPI:
    """The API over ``config.index``; ``engines`` replaces the loader (tests reuse one loaded model)."""
    token = ensure_token(config.token_file) if config.token_file else ""
    keys = KeyStore(config.keys_db)
    services = Services(
        config,
        engines or Engines(config.index),
        keys,
        Pool(config.workers, config.queue),
        RateLimit(config.requests_per_minute, keys.db),  # shared by every API process when the keys are in PostgreSQL
        KeyFailures(config.failed_keys_per_minute),
        token,
    )

    @asynccontextmanager
    async def lifespan(_app):
        try:  # load and warm the published index before the first caller waits for it
            await asyncio.to_thread(services.engines.current)
        except (MythQAError, OSError) as e:
            log.warning("not answering yet: %s (%s)", e, getattr(e, "remedy", ""))
        yield
        services.pool.close()

    app = FastAPI(
        title="Myth Q&A",
        version="1",
        summary="Verbatim, cited answers from the myth texts, or a plain statement that they do not answer.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    _add_handlers(app)
    add_docs(app)
    if config.cors_origins:  # off unless the operator names origins: a browser page elsewhere cannot call it otherwise
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    # Added last runs first: the body is capped and read whole before a request counts as in flight.
    app.add_middleware(JsonBody)
    app.add_middleware(InFlight, limit=config.max_in_flight)
    app.add_middleware(BodyCap, limit=config.max_body_bytes, timeout=config.body_timeout)

    def caller(
        request: Request, bearer: HTTPAuthorizationCredentials | None = Depends(BEARER), key: str | None = Depends(API_KEY)
    ) -> Caller:
        who = services.identify(request, presented(bearer, key), config.keys_required)
        if who.limit_key:
            try:
                services.rate.check(who.limit_key)
            except ERRORS as e:  # the shared rate window is in PostgreSQL, which cannot be reached
                raise store_failed(e) from e
        return who

    # The answer, claim and passage routes return the contract's plain dicts; FastAPI checks each against the contract
    # model (qa.contract), drops the keys the read path left out (exclude_unset, as the CLI does), and ContractJSON
    # writes it with the CLI's serialiser. A body that does not fit its model is never sent (errors.drifted: 500).
    contract = {"response_model_exclude_unset": True, "response_class": ContractJSON}

    @app.post("/v1/ask", response_model=AnswerJSON, responses=REFUSALS, summary="Ask a question", **contract)
    async def ask(body: AskRequest, response: Response, who: Caller = Depends(caller)):
        """The answer `python -m qa --json` prints for the same question and filters (400 when the question is empty or a
        filter names nothing in the index, with the same body)."""
        answer = await services.run(who, routes.ask, body)
        response.status_code = routes.status_of(answer)
        return with_ids(answer.to_json(), answer.passages) if body.ids else answer.to_json()

    @app.post("/v1/claim", response_model=ClaimJSON, responses=REFUSALS, summary="Check a claim", **contract)
    async def claim(body: ClaimRequest, response: Response, who: Caller = Depends(caller)):
        """What `python -m qa --claim` prints: the myth the claim restates and why the texts say it is wrong."""
        result = await services.run(who, routes.claim, body.claim)
        response.status_code = routes.claim_status(result)
        return result.to_json()

    @app.get("/v1/passages/{uid}", response_model=StoredPassage, responses=REFUSALS, summary="Fetch a passage by its stable id", **contract)
    async def passage(uid: str = Path(max_length=128), who: Caller = Depends(caller)):
        return passage_record(await services.run(who, routes.passage, uid))

    @app.get("/v1/myths", responses=REFUSALS, summary="List the myths and sections")
    async def myths(who: Caller = Depends(caller)):
        return json_response(await services.run(who, routes.myths))

    @app.get("/v1/health", responses=REFUSALS, summary="Health and index version (no key needed)")
    async def health(request: Request, bearer: HTTPAuthorizationCredentials | None = Depends(BEARER), key: str | None = Depends(API_KEY)):
        """200 with the published index version once it answers; the operator also sees paths and loaded versions. No key
        is needed, but a key sent is checked (401 when wrong), so the operator token cannot be guessed here either."""
        who = services.identify(request, presented(bearer, key), keys_required=False)
        return json_response(await services.run(who, routes.health, services if who.operator else None))

    app.state.services = services
    return app


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request, e: ApiError):
        return refusal(e)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, e: RequestValidationError):
        return refusal(from_validation(list(e.errors())))

    @app.exception_handler(ResponseValidationError)
    async def drift(_request, e: ResponseValidationError):
        return refusal(drifted(list(e.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(_request, e: HTTPException):
        return refusal(from_http(e.status_code))

    @app.exception_handler(Exception)
    async def unexpected(_request, e: Exception):
        log.exception("unexpected error while answering")  # the server log has the traceback; the caller never does
        return refusal(ApiError(500, "internal", INTERNAL))
